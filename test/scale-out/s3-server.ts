// Runs s3rver (an S3-compatible server from the npm registry) as its own process for the
// scale-out tests: `node test/scale-out/s3-server.ts <directory>`. Prints
// {"endpoint": "http://127.0.0.1:<port>"} on stdout once listening; stops on SIGTERM.
import S3rver from 's3rver';

const directory = process.argv[2];
if (!directory) {
  process.stderr.write('usage: s3-server.ts <directory>\n');
  process.exit(2);
}
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
const address = (await server.run()) as { port: number };
process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${address.port}` })}\n`);
const stop = () => {
  server.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
