/**
 * Routes a command document to its handler by the command's name (its first field) and turns
 * failures into mongod-style error replies.
 */
import type { Document } from 'mongodb';
import { adminCommands } from './commands/admin.js';
import { collectionCommands } from './commands/collections.js';
import type { CommandContext, CommandHandler } from './commands/context.js';
import { indexCommands } from './commands/indexes.js';
import { readCommands } from './commands/reads.js';
import { writeCommands } from './commands/writes.js';
import { asCommandError, CommandError } from './errors.js';

const COMMANDS = new Map<string, CommandHandler>(
  Object.entries({
    ...adminCommands,
    ...collectionCommands,
    ...indexCommands,
    ...readCommands,
    ...writeCommands,
  }),
);

export function runCommand(command: Document, context: CommandContext): Document {
  const [name] = Object.keys(command);
  try {
    const handler = name === undefined ? undefined : COMMANDS.get(name);
    if (!handler) throw new CommandError('CommandNotFound', `no such command: '${name ?? ''}'`);
    return handler(command, context);
  } catch (error) {
    return asCommandError(error).toReply();
  }
}
