/**
 * `npm run ops -- replay-events --archive <name> --bus <name> --from <ISO> --to <ISO> [--dry-run]`:
 * sends the bus's archived events of a time window to the bus again (EventBridge StartReplay), for
 * a subscriber that missed them. The replay's name is derived from the archive and the window, so
 * running the same command twice starts one replay: EventBridge refuses the second name, and this
 * reports the first one's state. Subscribers receive each event again with its original id: they
 * must dedupe on it (docs/operations.md).
 */
import { createHash } from 'node:crypto';
import {
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  DescribeReplayCommand,
  StartReplayCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';

export interface ReplayEventsOptions {
  archive: string;
  bus: string;
  from: Date;
  to: Date;
  dryRun?: boolean;
}

export interface ReplayEventsResult {
  replayName: string;
  outcome: 'started' | 'already-started' | 'dry-run';
  state?: string;
}

/** The replay's name: the same archive and window always give the same name (at most 64 characters). */
export function replayNameOf(archive: string, from: Date, to: Date): string {
  const hash = createHash('sha256').update(`${archive}|${from.toISOString()}|${to.toISOString()}`).digest('hex').slice(0, 16);
  return `paygo-replay-${hash}`;
}

export async function replayEvents(eb: Pick<EventBridgeClient, 'send'>, opts: ReplayEventsOptions): Promise<ReplayEventsResult> {
  if (!(opts.from < opts.to)) throw new Error('--from must be before --to');
  const replayName = replayNameOf(opts.archive, opts.from, opts.to);
  if (opts.dryRun) return { replayName, outcome: 'dry-run' };
  const existing = await eb.send(new DescribeReplayCommand({ ReplayName: replayName })).catch((e: unknown) => {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw e;
  });
  if (existing) return { replayName, outcome: 'already-started', state: existing.State };
  const archive = await eb.send(new DescribeArchiveCommand({ ArchiveName: opts.archive }));
  const bus = await eb.send(new DescribeEventBusCommand({ Name: opts.bus }));
  if (!archive.ArchiveArn || !bus.Arn) throw new Error(`archive ${opts.archive} or bus ${opts.bus} not found`);
  try {
    const out = await eb.send(new StartReplayCommand({
      ReplayName: replayName,
      Description: `paygo ops replay ${opts.from.toISOString()} .. ${opts.to.toISOString()}`,
      EventSourceArn: archive.ArchiveArn,
      EventStartTime: opts.from,
      EventEndTime: opts.to,
      Destination: { Arn: bus.Arn },
    }));
    return { replayName, outcome: 'started', state: out.State };
  } catch (e) {
    // Two operators at once: the other one's replay is the one.
    if ((e as { name?: string }).name === 'ResourceAlreadyExistsException') return { replayName, outcome: 'already-started' };
    throw e;
  }
}
