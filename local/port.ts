/**
 * The twin's HTTP port, checked before DynamoDB Local is started: a busy port should be one line at
 * once, not a failure after Java's few seconds of start-up (and a Java process to stop again).
 */
import { createServer } from 'node:net';
import { errnoCode, StartupError } from './errors';

/** Resolves if `host:port` can be listened on now (and frees it again); port 0 always can. */
export async function checkPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e) => {
      const code = errnoCode(e);
      reject(code === 'EADDRINUSE'
        ? new StartupError(`port ${port} on ${host} is in use; set PORT to another port`)
        : code === 'EACCES'
          ? new StartupError(`port ${port} on ${host} needs privileges this process does not have; set PORT to a port above 1023`)
          : e);
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
