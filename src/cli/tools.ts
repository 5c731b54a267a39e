/** `cfo tool`, `cfo mcp` and `cfo chat`: the tools and the agent from a terminal. */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { findTool, invokeTool, TOOLS } from '../../tools';
import { createModel, runAgent } from '../agent';
import { DomainError, InvalidInputError, NotFoundError } from '../errors';
import { serveStdio } from '../mcp/stdio';
import { type Cli, OPERATOR, pickBusiness, toolContext } from './context';

export function registerTools(program: Command, cli: Cli): void {
  const { io } = cli;

  program
    .command('tool')
    .description('call a tool and print its JSON result (exit code 1 with the error on failure)')
    .argument('[name]', 'tool name; omit to list the tools')
    .option('--business <id>', 'business id (default: the only one)')
    .option('--input <json>', 'tool input as JSON', '{}')
    .action(async (name: string | undefined, opts: { business?: string; input: string }, cmd: Command) => {
      if (!name) {
        for (const t of TOOLS) io.out(`${t.name.padEnd(30)} ${t.title}\n`);
        return;
      }
      const tool = findTool(name);
      if (!tool) throw new NotFoundError(`No tool called "${name}". \`cfo tool\` lists them.`);
      let input: unknown;
      try {
        input = JSON.parse(opts.input);
      } catch {
        throw new InvalidInputError(`--input is not valid JSON: ${opts.input.slice(0, 80)}`);
      }
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const business = await pickBusiness(rt, opts.business);
        const r = await invokeTool(tool, input, toolContext(rt, business, 'cli'));
        if (!r.ok) throw new DomainError(r.error.code, r.error.status, r.error.message);
        io.out(`${JSON.stringify(r.output, null, 2)}\n`);
      } finally {
        await rt.close();
      }
    });

  program
    .command('mcp')
    .description('serve the tools over MCP on stdin/stdout (for Claude Desktop, Claude Code, any MCP client)')
    .option('--business <id>', 'business id (default: the only one)')
    .action(async (opts: { business?: string }, cmd: Command) => {
      const opening = cli.runtime(cmd, { toStderr: true });
      // A data directory held by the running service is known at once (the lock is taken before anything
      // else), and goes to the running service like every command's. Otherwise the embedded database opens
      // while the client says hello: `initialize` and the tool list need no data.
      const failed = await Promise.race([
        opening.then(
          () => false,
          () => true,
        ),
        new Promise<false>((resolve) => setImmediate(() => resolve(false))),
      ]);
      if (failed) await opening;
      const ready = opening.then(async (rt) => ({ rt, business: await pickBusiness(rt, opts.business) }));
      try {
        // stdout is the protocol: the transport writes to it directly (a pipe, or the caller's socket).
        const serving = serveStdio(
          {
            caller: OPERATOR,
            context: async () => {
              const { rt, business } = await ready;
              return toolContext(rt, business, 'mcp');
            },
          },
          io.stdin as Readable,
          io.outStream as Writable,
        );
        // No database or no business: the error, on stderr, ends the command (and closes the client's pipe);
        // a client that hung up first still gets the exit code.
        await Promise.race([serving, ready.then(() => serving)]);
        await ready;
      } finally {
        const rt = await opening.catch(() => null);
        await rt?.close();
      }
    });

  program
    .command('chat')
    .description(
      'talk to the CFO in the terminal (the same agent loop as the API; offline model without ANTHROPIC_API_KEY)',
    )
    .option('--business <id>', 'business id (default: the only one)')
    .option('-m, --message <text>', 'ask one question, print the answer and exit')
    .option('--conversation <id>', 'continue an earlier conversation')
    .action(async (opts: { business?: string; message?: string; conversation?: string }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      const controller = new AbortController();
      const unlisten = io.onInterrupt(() => controller.abort());
      try {
        const business = await pickBusiness(rt, opts.business);
        const model = createModel(rt.config.anthropic, rt.logger);
        const dim = (s: string) => (io.errIsTTY ? `\x1b[2m${s}\x1b[0m` : s);
        let conversationId = opts.conversation;
        const ask = async (message: string) => {
          const r = await runAgent(
            {
              db: rt.database.db,
              business: {
                id: business.id,
                name: business.name,
                baseCurrency: business.baseCurrency,
                fyEndMonth: business.fyEndMonth,
              },
              model,
              channel: 'cli',
              caller: { type: 'system', scopes: ['read', 'write'] },
              logger: rt.logger,
              today: () => new Date().toISOString().slice(0, 10),
              conversation: conversationId ? { id: conversationId } : {},
              message,
              signal: controller.signal,
            },
            (e) => {
              if (e.type === 'text') io.out(e.delta);
              else if (e.type === 'tool_started') io.err(dim(`  → ${e.name} ${JSON.stringify(e.input)}\n`));
              else if (e.type === 'tool_finished')
                io.err(dim(`  ${e.ok ? '✓' : '✗'} ${e.name} (${e.ms} ms) ${e.summary}\n`));
            },
          );
          conversationId = r.conversationId;
          io.out('\n');
          io.err(
            dim(
              `  ${r.model} · ${r.latencyMs} ms · ${r.usage.inputTokens}+${r.usage.outputTokens} tokens${r.unmatchedFigures.length ? ` · unsupported figures: ${r.unmatchedFigures.join(', ')}` : ''}\n`,
            ),
          );
        };
        if (opts.message) {
          await ask(opts.message);
          return;
        }
        io.err(
          `${business.name} · ${model.id === 'offline' ? 'offline model (set ANTHROPIC_API_KEY for Claude)' : model.id} · empty line or Ctrl-D to quit\n`,
        );
        const prompt = () => io.err('> ');
        const rl = createInterface({ input: io.stdin, terminal: false });
        prompt();
        for await (const line of rl) {
          if (!line.trim()) break;
          try {
            await ask(line);
          } catch (err) {
            if (!(err instanceof DomainError)) throw err;
            io.err(`${err.message}\n`);
          }
          prompt();
        }
        rl.close();
      } finally {
        unlisten();
        await rt.close();
      }
    });
}
