import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * The options of a benchmark's command line, or undefined once `--help` printed the usage. A usage
 * error (unknown option, bad value) prints the message and the usage and exits 2, before any work.
 */
export function optionsOrExit<T>(bench: string, usage: string, parse: () => T | 'help'): T | undefined {
  let options: T | 'help';
  try {
    options = parse();
  } catch (error) {
    console.error(`${bench}: ${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (options !== 'help') return options;
  console.log(usage);
  return undefined;
}

/** One option of a `node:util` parseArgs table, as far as a usage line needs it. */
interface ArgOption {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean | string[] | boolean[];
}

/** The usage text of a parseArgs option table: one line per option, with its default. Pure. */
export function usageOfOptions(bench: string, options: Record<string, ArgOption>, more = ''): string {
  const lines = Object.entries(options).map(([name, option]) => {
    const flag = `--${name}${option.type === 'string' ? ' <value>' : ''}${option.short ? `, -${option.short}` : ''}`;
    const notes = [option.multiple ? 'repeatable' : '', option.default !== undefined ? `default ${JSON.stringify(option.default)}` : ''].filter(Boolean);
    return notes.length ? `  ${flag.padEnd(32)} (${notes.join(', ')})` : `  ${flag}`;
  });
  return [`${bench} options:`, ...lines, `  ${'--help'.padEnd(32)} this text`, ...(more ? ['', more] : [])].join('\n');
}

/**
 * `parseArgs` with a `--help` that prints the options and exits 0, and usage errors (an unknown
 * option, a missing value) that print the message and the options and exit 2 instead of a stack
 * trace. For the tools that keep their options in a parseArgs table.
 */
export function parseArgsOrExit<C extends ParseArgsConfig>(bench: string, config: C, more = ''): ReturnType<typeof parseArgs<C>> {
  const args = config.args ?? process.argv.slice(2);
  const usage = usageOfOptions(bench, (config.options ?? {}) as Record<string, ArgOption>, more);
  const parsed = optionsOrExit(bench, usage, () => (args.includes('--help') ? 'help' : parseArgs(config)));
  if (parsed === undefined) process.exit(0); // --help printed the usage
  return parsed;
}
