// Runs s3rver in its own process (see test/support/s3-server.ts): s3rver's continuation tokens use
// DES, which Node 20's OpenSSL refuses without --openssl-legacy-provider, a flag the worker under
// test must not get. Prints {"port":N} on stdout once listening; exits on SIGTERM or stdin's end.
import S3rver from 's3rver';

const directory = process.argv[2];
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, vhostBuckets: false });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
