// @ts-check
// Presets and seed scenarios, as the server lists them ({name, kind, title, watch,
// config}). The page renders whatever arrives; a click sends the entry's config as it
// is (a shape preset's partial config changes only the hidden layers; a scenario's is
// complete) and trains from epoch 0 (config, reset, play). Configs live in the engine
// (engine/presets.py), never here.

function isScenario(p) {
  if (p.kind) return p.kind === "scenario";
  return /seed|scenario/i.test(p.name) || /^seed/i.test(p.title ?? "");
}

export class Presets {
  // onApply(preset) is called on a click.
  constructor({ presetList, scenarioList, watch }, presets, onApply) {
    this.watch = watch;
    this.onApply = onApply;
    this.buttons = new Map();
    const plain = presets.filter((p) => !isScenario(p));
    const scenarios = presets.filter(isScenario);
    for (const p of plain) this.button(presetList, p, false);
    for (const p of scenarios) this.button(scenarioList, p, true);
    if (presets.length === 0) {
      presetList.textContent = "none from the server yet";
    }
    if (scenarios.length === 0) scenarioList.closest(".scenario-group").hidden = true;
  }

  button(list, preset, card) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = card ? "scenario" : "preset";
    b.dataset.preset = preset.name;
    if (card) {
      const title = document.createElement("strong");
      title.textContent = preset.title ?? preset.name;
      const watch = document.createElement("span");
      watch.textContent = preset.watch ?? "";
      b.append(title, watch);
      b.title = preset.watch ?? "";
    } else {
      b.textContent = preset.title ?? preset.name;
      if (preset.watch) b.title = preset.watch;
    }
    b.setAttribute("aria-label", `${preset.title ?? preset.name}: load and train. ${preset.watch ?? ""}`);
    b.addEventListener("click", () => {
      this.select(preset.name);
      this.onApply(preset);
    });
    list.appendChild(b);
    this.buttons.set(preset.name, { b, preset });
  }

  select(name) {
    for (const [n, { b }] of this.buttons) b.classList.toggle("selected", n === name);
    const entry = this.buttons.get(name);
    this.watch.textContent = entry && entry.preset.watch ? `Watch for: ${entry.preset.watch}` : "";
  }
}
