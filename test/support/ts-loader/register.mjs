// Lets a child process run the TypeScript sources directly (Node 20 cannot):
//   node --import ./test/support/ts-loader/register.mjs some-entry.ts
// Tests use it to start worker processes they can SIGTERM or kill -9.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
