// @ts-check
// Presets and seed scenarios, as the server lists them ({name, kind, title, watch,
// question, config}). The page renders whatever arrives; a click sends the entry's
// whole config and trains from epoch 0 (config, reset, play). A scenario card shows the
// question it reproduces and its random seed as values of their own, apart from its
// title. The "Watch for" line belongs to the set-up the entry gave: main.js clears it
// (clear()) once the set-up changes. Configs live in the engine (engine/presets.py).

/** @param {Preset} p */
function isScenario(p) {
  if (p.kind) return p.kind === "scenario";
  return /seed|scenario/i.test(p.name) || /^seed/i.test(p.title ?? "");
}

export class Presets {
  /**
   * onApply(preset) is called on a click.
   * @param {{presetList: HTMLElement, scenarioList: HTMLElement, watch: HTMLElement}} els
   * @param {Preset[]} presets
   * @param {(preset: Preset) => void} onApply
   */
  constructor({ presetList, scenarioList, watch }, presets, onApply) {
    this.watch = watch;
    this.onApply = onApply;
    /** @type {Map<string, {b: HTMLButtonElement, preset: Preset}>} */
    this.buttons = new Map();
    /** @type {Preset | null} */
    this.selected = null;
    const plain = presets.filter((p) => !isScenario(p));
    const scenarios = presets.filter(isScenario);
    for (const p of plain) this.button(presetList, p, false);
    for (const p of scenarios) this.button(scenarioList, p, true);
    if (presets.length === 0) {
      presetList.textContent = "none from the server yet";
    }
    const group = scenarioList.closest(".scenario-group");
    if (scenarios.length === 0 && group instanceof HTMLElement) group.hidden = true;
  }

  /** @param {HTMLElement} list @param {Preset} preset @param {boolean} card */
  button(list, preset, card) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = card ? "scenario" : "preset";
    b.dataset.preset = preset.name;
    const title = preset.title ?? preset.name;
    const seed = preset.config?.seed;
    if (card) {
      const head = document.createElement("strong");
      head.textContent = title;
      const meta = document.createElement("span");
      meta.className = "scenario-meta";
      // In words a newcomer reads ("question 000 · random seed 0" says nothing to
      // them); the numbers, for whoever looks them up, on hover.
      const parts = [];
      const tip = [];
      if (preset.question) {
        parts.push("a user's question");
        tip.push(`question ${preset.question} of the seed questions`);
      }
      if (seed !== undefined) {
        parts.push(`starting weights #${seed}`);
        tip.push(`random seed ${seed}: the same seed gives the same starting weights`);
      }
      meta.textContent = parts.join(" · ");
      meta.title = tip.join("; ");
      const watch = document.createElement("span");
      watch.className = "scenario-watch";
      watch.textContent = preset.watch ?? "";
      b.append(head, meta, watch);
    } else {
      b.textContent = title;
    }
    // The name is the visible text (title, question, random seed); the tooltip says
    // what a click does.
    b.title = `${preset.watch ?? title} (click: load and train)`;
    b.setAttribute("aria-pressed", "false");
    b.addEventListener("click", () => {
      this.select(preset.name);
      this.onApply(preset);
    });
    list.appendChild(b);
    this.buttons.set(preset.name, { b, preset });
  }

  /** @param {string | null} name */
  select(name) {
    this.selected = (name === null ? undefined : this.buttons.get(name))?.preset ?? null;
    for (const [n, { b }] of this.buttons) {
      b.classList.toggle("selected", n === name);
      b.setAttribute("aria-pressed", String(n === name));
    }
    const p = this.selected;
    this.watch.textContent = p && p.watch ? `Watch for: ${p.watch}` : "";
  }

  // The set-up is no longer the selected entry's: its promise no longer applies.
  clear() {
    if (this.selected) this.select(null);
  }
}
