/**
 * `npm run ops -- <command> [options]`: what an operator runs when an alarm says work gave up
 * (docs/operations.md). Every command takes --dry-run (says what it would do, changes nothing) and
 * is safe to run twice. Credentials and region come from the usual AWS environment (AWS_PROFILE, ...).
 *
 *   redrive        --queue <dead-letter queue URL>                      (a *DeadLetterQueueUrl output)
 *   replay-usage   --bucket <FailedRecordsBucket output>                 (needs the *_TABLE variables)
 *   replay-events  --archive <EventArchiveName> --bus <EventBusName> --from <ISO> --to <ISO>
 */
import { parseArgs } from 'node:util';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { storeContext } from '../shared/store/context';
import { redrive } from './ops/redrive';
import { replayEvents } from './ops/replay-events';
import { REPLAYED_PREFIX, replayUsage, type FailureObjects } from './ops/replay-usage';

export const USAGE = `npm run ops -- <command> [--dry-run] [options]

  redrive        --queue <URL>        move a dead-letter queue's messages back to their queue
  replay-usage   --bucket <name>      debit the usage records parked in the failure bucket
                                      (PROJECTS_TABLE, LEDGER_TABLE, EVENTS_TABLE, ... set as for the functions)
  replay-events  --archive <name> --bus <name> --from <ISO> --to <ISO>
                                      send archived bus events of a window to the bus again

Every command is safe to run twice; --dry-run changes nothing. See docs/operations.md.`;

/** The failure bucket on S3. */
export function s3FailureObjects(s3: S3Client, bucket: string): FailureObjects {
  return {
    async list() {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.NextContinuationToken;
      } while (token);
      return keys;
    },
    async get(key) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return out.Body!.transformToString('utf8');
    },
    async markReplayed(key) {
      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: `${REPLAYED_PREFIX}${key}`, CopySource: `${bucket}/${encodeURIComponent(key)}` }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      'dry-run': { type: 'boolean', default: false },
      queue: { type: 'string' },
      bucket: { type: 'string' },
      archive: { type: 'string' },
      bus: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const dryRun = values['dry-run'];
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw new Error(`${command} needs --${name}\n\n${USAGE}`);
    return v;
  };
  switch (command) {
    case 'redrive': {
      const r = await redrive(new SQSClient({}), need('queue'), { dryRun });
      console.log(JSON.stringify(r, null, 2));
      return 0;
    }
    case 'replay-usage': {
      const r = await replayUsage(s3FailureObjects(new S3Client({}), need('bucket')), storeContext(), { dryRun });
      console.log(JSON.stringify(r, null, 2));
      return r.failed.length > 0 ? 1 : 0;
    }
    case 'replay-events': {
      const from = new Date(need('from'));
      const to = new Date(need('to'));
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new Error('--from and --to must be ISO instants, e.g. 2026-12-01T00:00:00Z');
      const r = await replayEvents(new EventBridgeClient({}), { archive: need('archive'), bus: need('bus'), from, to, dryRun });
      console.log(JSON.stringify(r, null, 2));
      return 0;
    }
    case undefined:
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`unknown command: ${command}\n\n${USAGE}`);
      return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  });
}
