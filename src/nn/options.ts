/**
 * PyTorch options are implemented or refused, never ignored. `checkOptions` throws, naming the option,
 * when an options object has a PyTorch option qkv does not implement (given a value other than
 * PyTorch's default), or spells a supported one PyTorch's way (`batch_first` for `batchFirst`,
 * `averageAttnWeights` for `averageWeights`), which would otherwise be silently dropped.
 */

export interface OptionRules {
  /** The options this call reads (camelCase). */
  supported: readonly string[];
  /** PyTorch options it does not implement, with PyTorch's default (accepted, as it changes nothing). */
  unsupported?: Readonly<Record<string, unknown>>;
  /** Other spellings of supported options (PyTorch's names where they differ): spelling → ours. */
  renamed?: Readonly<Record<string, string>>;
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Throws `${where}: …` for an unsupported or misspelled option in `options` (see the file header). */
export function checkOptions(where: string, options: object | null | undefined, rules: OptionRules): void {
  if (!options) return;
  const given = options as Record<string, unknown>;
  for (const [name, byDefault] of Object.entries(rules.unsupported ?? {})) {
    for (const key of new Set([name, snake(name)])) {
      const v = given[key];
      if (!Object.hasOwn(given, key) || v === undefined || Object.is(v, byDefault)) continue;
      const dflt = byDefault === null ? "null" : JSON.stringify(byDefault);
      throw new Error(
        `${where}: option "${key}" (PyTorch's ${snake(name)}) is not supported; leave it out or give its default ${dflt}`,
      );
    }
  }
  const spellings = new Map<string, string>();
  for (const [key, ours] of Object.entries(rules.renamed ?? {})) {
    spellings.set(key, ours);
    spellings.set(snake(key), ours);
  }
  for (const name of rules.supported) if (snake(name) !== name) spellings.set(snake(name), name);
  for (const [key, ours] of spellings) {
    if (Object.hasOwn(given, key) && !rules.supported.includes(key) && given[key] !== undefined) {
      throw new Error(`${where}: unknown option "${key}"; qkv spells it "${ours}"`);
    }
  }
}
