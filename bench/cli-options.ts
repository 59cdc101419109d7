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
