import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiError, FaceshardClient, seg } from './api-client';
import { formatClusterStatus, formatIdentify, formatKeys, formatVerify, type ApiKeyView, type ClusterStatusBody, type IdentifyBody, type VerifyBody } from './format';
import { runEnroll } from './enroll/enroll-run';
import { formatSummary } from './enroll/enroll-summary';
import { planFolder } from './enroll/photo-folder';
import { TerminalProgress } from './enroll/terminal-progress';

interface GlobalOptions {
  url: string;
  apiKey?: string;
  json?: boolean;
  timeout: number;
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const number = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};

/**
 * `faceshard`: the platform's command line, a client of its HTTP API only. Commands print
 * for people by default and the API's own JSON with --json.
 */
export function buildProgram(): Command {
  const program = new Command('faceshard')
    .description('Command line for a faceshard server or cluster (HTTP API only)')
    .addOption(new Option('--url <url>', 'gateway URL').env('FACESHARD_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--api-key <key>', 'API key, sent as X-Api-Key').env('FACESHARD_API_KEY'))
    .addOption(new Option('--timeout <ms>', 'per-request deadline').argParser(positiveInt).default(60_000))
    .option('--json', 'print the API answers as JSON')
    .showHelpAfterError();

  const globals = () => program.opts<GlobalOptions>();
  const client = () => new FaceshardClient({ url: globals().url, apiKey: globals().apiKey, timeoutMs: globals().timeout });
  const print = (body: unknown, human: () => string) => console.log(globals().json ? JSON.stringify(body, null, 2) : human());

  program
    .command('enroll')
    .description('enroll a folder with one sub-folder per person (as LFW is laid out); resumable')
    .argument('<folder>', 'folder of person folders')
    .requiredOption('-c, --collection <name>', 'face collection to enroll into')
    .option('--create [model]', 'create the collection if it does not exist (with this model, else the default one)')
    .addOption(new Option('--concurrency <n>', 'photos in flight at once').argParser(positiveInt).default(4))
    .option('--journal <file>', 'journal of finished photos (resume)', '.faceshard-enroll.jsonl')
    .option('--failures <file>', 'where failed photos are listed (TSV)', 'faceshard-enroll-failures.tsv')
    .addOption(new Option('--min-photos <n>', 'only people with at least n photos').argParser(positiveInt))
    .addOption(new Option('--max-people <n>', 'only the first n people (by name)').argParser(positiveInt))
    .addOption(new Option('--min-quality <q>', 'refuse faces below this quality').argParser(number))
    .action(async (folder: string, opts) => {
      const api = client();
      await ensureCollection(api, opts.collection, opts.create);
      const plan = await planFolder(resolve(folder), { minPhotos: opts.minPhotos, maxPeople: opts.maxPeople });
      if (plan.skipped.length) console.error(`skipping ${plan.skipped.length} entries (not photos in person folders), e.g. ${plan.skipped[0].path}: ${plan.skipped[0].reason}`);
      console.error(`${plan.tasks.length} photos of ${plan.people} people -> collection ${opts.collection} at ${globals().url}`);

      const stopSignal = { stopped: false };
      const onSigint = () => {
        if (stopSignal.stopped) process.exit(130);
        stopSignal.stopped = true;
        console.error('\nstopping: finishing the photos in flight (Ctrl-C again to quit at once)');
      };
      process.on('SIGINT', onSigint);
      const result = await runEnroll({
        client: api,
        collection: opts.collection,
        tasks: plan.tasks,
        journalPath: resolve(opts.journal),
        failuresPath: resolve(opts.failures),
        concurrency: opts.concurrency,
        minQuality: opts.minQuality,
        progress: globals().json ? undefined : new TerminalProgress(),
        stopSignal,
      });
      process.off('SIGINT', onSigint);
      const summary = { ...result.tally, failed: Object.fromEntries(result.tally.failed), aborted: result.aborted };
      print(summary, () => formatSummary(result.tally, { journal: resolve(opts.journal), failures: resolve(opts.failures) }));
      if (result.aborted) console.error(`stopped: ${result.aborted}`);
      process.exitCode = result.aborted ? 1 : result.tally.interrupted ? 130 : result.failures.length ? 2 : 0;
    });

  program
    .command('identify')
    .description('who is in this photo? every face with its best matches')
    .argument('<photo>')
    .requiredOption('-c, --collection <name>')
    .addOption(new Option('--limit <n>', 'matches per face').argParser(positiveInt))
    .addOption(new Option('--threshold <t>', 'match threshold (default: the model’s calibrated one)').argParser(number))
    .addOption(new Option('--far-target <rate>', 'false-match rate per comparison to take the threshold for, e.g. 1e-5 (see GET /v1/models/:id)').argParser(number))
    .addOption(new Option('--max-faces <n>').argParser(positiveInt))
    .action(async (photo: string, opts) => {
      const body = await client().postPhotos<IdentifyBody>(`/v1/collections/${seg(opts.collection)}/identify`, { image: photo }, {
        limit: opts.limit,
        threshold: opts.threshold,
        farTarget: opts.farTarget,
        maxFaces: opts.maxFaces,
      });
      print(body, () => formatIdentify(body));
    });

  program
    .command('verify')
    .description('are these the same person? two photos, or a photo and an enrolled identity (--collection, --identity)')
    .argument('<photo>')
    .argument('[other]', 'second photo')
    .option('-c, --collection <name>')
    .option('-i, --identity <id>')
    .addOption(new Option('--threshold <t>').argParser(number))
    .addOption(new Option('--far-target <rate>', 'false-match rate to take the threshold for, e.g. 1e-4').argParser(number))
    .action(async (photo: string, other: string | undefined, opts) => {
      let body: VerifyBody;
      const threshold = { threshold: opts.threshold, farTarget: opts.farTarget };
      if (other) body = await client().postPhotos<VerifyBody>('/v1/verify', { image1: photo, image2: other }, threshold);
      else if (opts.collection && opts.identity) {
        body = await client().postPhotos<VerifyBody>('/v1/verify', { image: photo }, { collection: opts.collection, identityId: opts.identity, ...threshold });
      } else throw new InvalidArgumentError('give two photos, or one photo with --collection and --identity');
      print(body, () => formatVerify(body));
    });

  program
    .command('status')
    .description('cluster members, their states and health, counts, ring epochs, move progress')
    .action(async () => {
      const body = await client().get<ClusterStatusBody>('/v1/cluster');
      print(body, () => formatClusterStatus(body));
    });

  program
    .command('drain')
    .description('move a shard’s identities to the other members, then take it off the ring')
    .argument('<shard>')
    .action(async (shard: string) => {
      const body = await client().post<unknown>(`/v1/cluster/members/${seg(shard)}/drain`);
      print(body, () => `drain of ${shard} started; follow it with: faceshard status`);
    });

  const keys = program.command('keys').description('API keys (admin)');
  keys
    .command('create')
    .requiredOption('--name <name>', 'a label for people')
    .addOption(new Option('--role <role>').choices(['read', 'write', 'admin']).makeOptionMandatory())
    .option('--collections <names>', 'comma-separated collection names, or * for all', '*')
    .action(async (opts) => {
      const body = await client().post<ApiKeyView & { key: string }>('/v1/keys', {
        name: opts.name,
        role: opts.role,
        collections: String(opts.collections).split(',').map((c) => c.trim()).filter(Boolean),
      });
      print(body, () => `${body.key}\n(id ${body.id}; the key is shown this once: store it now)`);
    });
  keys.command('list').action(async () => {
    const body = await client().get<{ keys: ApiKeyView[] }>('/v1/keys');
    print(body, () => formatKeys(body.keys));
  });
  keys
    .command('delete')
    .argument('<id>')
    .action(async (id: string) => {
      const body = await client().delete<unknown>(`/v1/keys/${seg(id)}`);
      print(body, () => `deleted key ${id}`);
    });

  return program;
}

/** The collection must exist; with --create it is made for the given (or default) model. */
async function ensureCollection(api: FaceshardClient, name: string, create: string | boolean | undefined): Promise<void> {
  try {
    await api.get(`/v1/collections/${seg(name)}`);
    return;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404) || !create) throw err;
  }
  let model = typeof create === 'string' ? create : undefined;
  if (!model) {
    const models = await api.get<{ models?: { id: string; default?: boolean }[] } | { id: string; default?: boolean }[]>('/v1/models');
    const list = Array.isArray(models) ? models : (models.models ?? []);
    model = (list.find((m) => m.default) ?? list[0])?.id;
    if (!model) throw new ApiError(0, 'MODEL_NOT_FOUND', 'the server lists no face model; name one: --create <model>', false);
  }
  await api.post('/v1/collections', { name, model });
  console.error(`created collection ${name} (model ${model})`);
}
