/** `--help` for the benchmarks whose only knobs are environment variables: print the usage, run nothing. */
export function helpOrRun(usage: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage.endsWith("\n") ? usage : `${usage}\n`);
    process.exit(0);
  }
  const unknown = argv.filter((a) => a.startsWith("-"));
  if (unknown.length > 0) {
    process.stderr.write(`unknown flag ${unknown[0]} (this benchmark takes none; --help)\n`);
    process.exit(2);
  }
}
