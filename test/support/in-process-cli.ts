/**
 * Runs `alc` commands in-process (as registered, with the configuration of $ALC_CONFIG) and
 * captures what they print: quicker than spawning bin/alc.mjs for every token of a test.
 */
import { Command } from 'commander';

export async function runCommand(register: (program: Command) => void, args: string[]): Promise<{ stdout: string; exitCode: number }> {
  const program = new Command('alc').exitOverride();
  register(program);
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'alc', ...args]);
  } finally {
    process.stdout.write = write;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { stdout, exitCode };
}
