// The engine's Config as the page sees it: the schema (engine/config.py FieldSpec
// .describe(), one entry per field) and a config, a map from field name to value.
// Global declarations: the modules name them in JSDoc without an import.

/** A setting's value: a number, an option name, a switch or a list (hidden, features). */
type ConfigValue = number | string | boolean | number[] | string[] | null;

/** A whole or partial Config, keyed by field name. */
type Config = Record<string, ConfigValue>;

/** The `extra` of a field: what only some fields carry (engine/config.py FIELDS). */
interface FieldExtra {
  /** Words for special values, e.g. speed -1 = "auto". */
  special?: Record<string, string>;
  /** dataset: the regression data sets. */
  regression?: string[];
  /** dataset: each problem's default settings. */
  problem_defaults?: Record<string, Config>;
  /** dataset: the classes of each generator. */
  classes?: Record<string, number>;
  /** dataset: the outputs each problem allows. */
  problem_outputs?: Record<string, string[]>;
  /** loss: the outputs each loss allows. */
  outputs?: Record<string, string[]>;
  /** optimizer, init: the fields each option reads. */
  fields?: Record<string, string[]>;
}

/** One Config field as the schema describes it. */
interface Field {
  name: string;
  type: "int" | "float" | "bool" | "choice" | "int_list" | "choice_list" | string;
  default: ConfigValue;
  min?: number | null;
  max?: number | null;
  choices?: string[] | null;
  /** choice fields: each choice's display name, declared with it in the engine. */
  labels?: Record<string, string>;
  live?: boolean;
  label?: string;
  group?: string;
  min_len?: number | null;
  max_len?: number | null;
  extra?: FieldExtra;
}

/** A reason the page did not take a setting from a link. */
interface Rejected {
  name: string;
  text: string;
  reason: string;
}

/** Sends one Socket.IO event; false when not connected (connection.js send). */
type Send = (event: string, payload?: object) => boolean;

/** A preset or seed scenario as the server lists them (engine/presets.py). */
interface Preset {
  name: string;
  kind?: string;
  title?: string;
  watch?: string;
  question?: string;
  config: Config;
}
