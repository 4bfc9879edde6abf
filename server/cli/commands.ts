/**
 * What plugpay's command-line tools share: the error kinds and one dispatcher from a command word
 * to its handler, with the exit codes scripts rely on (0 done, 2 wrong usage, 1 anything else).
 */
import { loadConfig, type Config } from '../config.js';

/** The call's words were wrong: the usage is printed with the message (exit code 2). */
export class UsageError extends Error {}
/** The command could not be done, for a reason the message states (exit code 1). */
export class CliFailure extends Error {}

export interface CommandIo {
  env: Record<string, string | undefined>;
  err: (line: string) => void;
}

/**
 * Loads the configuration from `io.env` and runs the handler named by the first word of `argv`.
 *
 * @example
 * return runCommands(argv, io, USAGE, { add, list });
 */
export async function runCommands<Io extends CommandIo>(
  argv: string[],
  io: Io,
  usage: string,
  commands: Record<string, (config: Config, args: string[], io: Io) => Promise<void>>
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const config = loadConfig(io.env);
    const run = command !== undefined && Object.hasOwn(commands, command) ? commands[command] : undefined;
    if (!run) throw new UsageError(command ? `unknown command "${command}"` : 'a command is needed');
    await run(config, rest, io);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`error: ${(err as Error).message}\n${usage}`);
      return 2;
    }
    io.err(`error: ${(err as Error).message}`);
    return 1;
  }
}
