/**
 * `irene`: the command-line twin of the extension. A thin adapter: it parses
 * arguments, reads files, calls the engine and prints. Exit codes: 0 ok,
 * 1 the user's input is wrong (one line on stderr), 2 a bug (short report),
 * 3 a model over its energy budget (`irene check`).
 */
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_PROFILE_NAME, FEATURE_SETS, PHASE_SELECTIONS, registerBuiltinImporters, type FeatureSet } from '../engine/index.js';
import { choice, parseDtype, parsePositiveInt, parsePositiveNumber } from './cliOptions.js';
import { describeFailure, EXIT_OK, EXIT_USER_ERROR, ExitStatus } from './cliErrors.js';
import { runPredict } from './commands/predictCommand.js';
import { runGenerate } from './commands/generateCommand.js';
import { runCrossValidate, runEvaluate, runProfiles, runTrain } from './commands/dataCommands.js';
import { runCalibrate } from './commands/calibrate.js';
import { ENERGY_SOURCES, type EnergySourceName } from '../engine/calibrate/index.js';
import { createProgressReporter } from './progressReporter.js';
import { parseIntList } from './cliOptions.js';
import { checkAction } from './commands/checkCommand.js';
import { runDiff } from './commands/diffCommand.js';
import { noWorkflowCommands, terminalText } from '../engine/report/escapeText.js';
import { DEFAULT_TRACE_TIMEOUT_S, runTrace } from './commands/traceCommand.js';

declare const IRENE_VERSION: string | undefined;

/** Prints a command's output; names from files cannot reach the terminal as control sequences. */
function emit(result: { stdout: string; stderr: string[] }): void {
  for (const line of result.stderr) process.stderr.write(`${noWorkflowCommands(terminalText(line))}\n`);
  process.stdout.write(`${noWorkflowCommands(terminalText(result.stdout, true))}\n`);
}

/** Builds the command tree; exported so tests can run it in-process. */
export function buildProgram(): Command {
  const program = new Command('irene')
    .description('Predict the energy of Transformer models per inference, and where it goes (IrEne, ACL 2021).')
    .version(typeof IRENE_VERSION === 'string' ? IRENE_VERSION : 'dev')
    .showSuggestionAfterError()
    .exitOverride();

  const features = new Option('--features <set>', 'feature set').choices(FEATURE_SETS as string[]).default('specs');
  const seed = new Option('--seed <n>', 'random seed of the weighting model').argParser(parsePositiveInt).default(1);
  const modelLevel = new Option('--model-level <file>', 'model-level ground truth JSONL (default: model_level.jsonl beside the trees)');
  const dtypeOption = () => new Option('--dtype <dtype>', 'fp32 | fp16 | bf16').argParser(parseDtype);
  // Decode steps (one token against a KV cache) are another regime than whole-sequence passes: used only when asked.
  const phaseSelection = () =>
    new Option('--phase <which>', 'measured passes to use: forward (forward passes and prefills), decode (decode steps) or all')
      .argParser(choice(PHASE_SELECTIONS))
      .default('forward');

  // The setting and output options `predict` and `diff` share.
  const addPredictionOptions = (cmd: Command): Command =>
    cmd
      .addOption(new Option('-b, --batch-size <n>', 'sequences per forward pass').argParser(parsePositiveInt).default(8))
      .addOption(new Option('-s, --seq-len <n>', 'tokens per sequence').argParser(parsePositiveInt).default(256))
      .addOption(dtypeOption().default(undefined, "the model's declared dtype, else the profile's"))
      .option('-p, --profile <name|path>', 'device profile: bundled name or profile JSON', DEFAULT_PROFILE_NAME)
      .addOption(new Option('-f, --format <format>', 'output format').argParser(choice(['table', 'json', 'markdown'] as const)).default('table'))
      .addOption(new Option('-d, --depth <n>', 'tree levels to show (table, markdown)').argParser(parsePositiveInt).default(4));

  const predict = program
    .command('predict')
    .description('energy tree of a model file (HF config.json or model folder, ONNX, PyTorch source or IrEne JSONL)')
    .argument('<file>', 'model file, or a Hugging Face model folder (config.json + safetensors)');
  addPredictionOptions(predict)
    .addOption(new Option('--target-len <n>', 'target tokens per sequence for encoder-decoders (T5, BART ...)').argParser(parsePositiveInt).default(undefined, 'the sequence length'))
    .addOption(new Option('--idle-power <watts>', "idle power of your host (default: the profile's measured figure)").argParser(parsePositiveNumber))
    .addOption(new Option('--phase <phase>', 'forward (AutoModel, no cache) | prefill (fills the KV cache, + LM head) | decode (one step against the cache)').argParser(choice(['forward', 'prefill', 'decode'] as const)).default('forward'))
    .addOption(new Option('--context <n>', 'decode: positions the step attends over (the KV cache, the new token included)').argParser(parsePositiveInt))
    .addOption(new Option('--attn <impl>', "eager | sdpa (default: eager for forward; the config's _attn_implementation, else sdpa, for prefill/decode)").argParser(choice(['eager', 'sdpa'] as const)))
    .option('--graphs', 'graph-captured execution (CUDA graphs): no CPU issue cost per kernel', false)
    .option('--expand-repeats', 'table: a row for every one of identical siblings (default: layer.0-11 (BertLayer) ×12, the first expanded)', false)
    .action((file: string, o) => emit(runPredict(file, o)));

  program
    .command('generate')
    .description('energy of LLM generation from a causal LM config.json: per request, per output token, prefill / decode, memory fit')
    .argument('<file>', 'HF config.json, or a model folder with one')
    .addOption(new Option('--prompt-len <n>', 'prompt tokens per sequence').argParser(parsePositiveInt).default(512))
    .addOption(new Option('--output-len <n>', 'generated tokens per sequence').argParser(parsePositiveInt).default(256))
    .addOption(new Option('-b, --batch-size <n>', 'sequences generated together').argParser(parsePositiveInt).default(8))
    .addOption(new Option('--attn <impl>', 'eager | sdpa').argParser(choice(['eager', 'sdpa'] as const)).default(undefined, "the config's _attn_implementation, else sdpa"))
    .option('--graphs', 'graph-captured execution (CUDA graphs, as vLLM runs decode): no CPU issue cost per kernel', false)
    .addOption(new Option('--gpus <n>', 'GPUs of tensor parallelism').argParser(parsePositiveInt).default(1))
    .addOption(dtypeOption().default(undefined, "the model's declared dtype, else the profile's"))
    .option('-p, --profile <name|path>', 'device profile: bundled name or profile JSON', DEFAULT_PROFILE_NAME)
    .addOption(new Option('-f, --format <format>', 'output format').argParser(choice(['table', 'json', 'markdown'] as const)).default('table'))
    .addOption(new Option('-d, --depth <n>', 'tree levels of the decode step to show (table, markdown)').argParser(parsePositiveInt).default(2))
    .addOption(new Option('--idle-power <watts>', "idle power of your host (default: the profile's measured figure)").argParser(parsePositiveNumber))
    .action((file: string, o) => emit(runGenerate(file, o)));

  program
    .command('check')
    .description('hold every model of the energy budget (irene.budget.json or [tool.irene] in pyproject.toml) to its limits; exit 3 when over')
    .option('--budget <file>', 'budget file (default: irene.budget.json, or pyproject.toml with [tool.irene], here or in a parent folder)')
    .option('--baseline <ref|file>', 'compare with a git ref (the same files as they were there) or an earlier --format json report')
    .addOption(new Option('-f, --format <format>', 'output format').argParser(choice(['table', 'json', 'markdown', 'github'] as const)).default('table'))
    .action((o) => checkAction(o));

  const diff = program
    .command('diff')
    .description('tree-level energy difference of two model files, or of two revisions of one (HEAD~1:path/config.json)')
    .argument('<a>', 'model file, or REV:path to read it from git')
    .argument('<b>', 'model file, or REV:path');
  addPredictionOptions(diff)
    .option('--all', 'also show changes inside their ±1σ (a parent re-shared among unchanged children)', false)
    .action((a: string, b: string, o) => emit(runDiff(a, b, o)));

  program
    .command('train')
    .description('train a device profile from measurements (IrEne CSV folder or JSONL trees)')
    .argument('<data>', 'IrEne CSV folder or .jsonl[.gz] tree file')
    .requiredOption('-o, --out <file>', 'where to write the profile JSON')
    .option('--name <name>', 'profile name (default: the output file name)')
    .option('--hardware <device>', "device the data was measured on, for its datasheet figures (default: the data's meta line)")
    .addOption(new Option('--idle-power <watts>', 'idle power of the measuring machine (default: the data\'s meta line, else fitted)').argParser(parsePositiveNumber))
    .option('--energy-source <text>', 'how energy was measured (power meter, NVML, RAPL ...)')
    .addOption(features)
    .addOption(seed)
    .addOption(modelLevel)
    .addOption(dtypeOption())
    .addOption(phaseSelection())
    .action((data: string, o) => emit(runTrain(data, { ...o, features: o.features as FeatureSet })));

  program
    .command('crossvalidate')
    .description('leave-one-model-out cross-validation (MAPE per level)')
    .argument('<data>', 'IrEne CSV folder or .jsonl[.gz] tree file')
    .addOption(new Option('--features <set>', 'feature set').choices(FEATURE_SETS as string[]).default('specs'))
    .addOption(new Option('--seed <n>', 'random seed').argParser(parsePositiveInt).default(1))
    .addOption(new Option('-f, --format <format>', 'output format').argParser(choice(['table', 'json'] as const)).default('table'))
    .option('--baseline', 'also report the a * flops + b and non-negative launches + flops + bytes baselines', false)
    .addOption(new Option('--model-level <file>', 'model-level ground truth JSONL'))
    .addOption(new Option('--dtype <dtype>', 'dtype of the measurements (required when the data holds several)').argParser(parseDtype))
    .addOption(new Option('--leave-out <unit>', 'leave one model or one architecture family out').choices(['model', 'family']).default('model'))
    .option('--hardware <device>', "device the data was measured on, for its datasheet figures (default: the data's meta line)")
    .addOption(new Option('--idle-power <watts>', 'idle power of the measuring machine (default: the data\'s meta line, else fitted)').argParser(parsePositiveNumber))
    .addOption(phaseSelection())
    .action((data: string, o) => emit(runCrossValidate(data, { ...o, features: o.features as FeatureSet })));

  program
    .command('evaluate')
    .description("a profile's error on measured data (MAPE per level)")
    .argument('<data>', 'IrEne CSV folder or .jsonl[.gz] tree file')
    .option('-p, --profile <name|path>', 'device profile', DEFAULT_PROFILE_NAME)
    .addOption(new Option('-f, --format <format>', 'output format').argParser(choice(['table', 'json'] as const)).default('table'))
    .addOption(new Option('--model-level <file>', 'model-level ground truth JSONL'))
    .addOption(new Option('--dtype <dtype>', 'dtype of the measurements').argParser(parseDtype))
    .addOption(phaseSelection())
    .action((data: string, o) => emit(runEvaluate(data, o)));

  program
    .command('profiles')
    .description('list the bundled device profiles and their cross-validation error')
    .addOption(new Option('-f, --format <format>', 'output format').argParser(choice(['table', 'json'] as const)).default('table'))
    .action((o) => emit(runProfiles({ format: o.format, defaultName: DEFAULT_PROFILE_NAME })));

  program
    .command('trace')
    .description("trace a PyTorch source file with your own Python (model built on the meta device: no weights, no GPU) and predict on the exact tree")
    .argument('<file.py>', 'PyTorch source file')
    .option('-c, --class <name>', 'model class to trace (default: the outermost model class)')
    .addOption(new Option('-b, --batch-size <n>', 'sequences per forward pass').argParser(parsePositiveInt).default(8))
    .addOption(new Option('-s, --seq-len <n>', 'tokens per sequence').argParser(parsePositiveInt).default(256))
    .addOption(dtypeOption().default(undefined, "the model's declared dtype, else the profile's"))
    .option('-p, --profile <name|path>', 'device profile: bundled name or profile JSON', DEFAULT_PROFILE_NAME)
    .addOption(new Option('-f, --format <format>', 'output format').argParser(choice(['table', 'json'] as const)).default('table'))
    .addOption(new Option('-d, --depth <n>', 'tree levels to show (table)').argParser(parsePositiveInt).default(4))
    .option('--python <path>', 'Python interpreter with PyTorch (default: IRENE_PYTHON, then python3)')
    .option('--no-cache', 'trace again even when this file was traced before')
    .addOption(new Option('--timeout <s>', 'longest the Python may run (seconds)').argParser(parsePositiveInt).default(DEFAULT_TRACE_TIMEOUT_S))
    .action(async (file: string, o) => {
      emit(
        await runTrace(file, {
          ...(o.class ? { className: o.class } : {}),
          batchSize: o.batchSize,
          seqLen: o.seqLen,
          ...(o.dtype ? { dtype: o.dtype } : {}),
          profile: o.profile,
          format: o.format,
          depth: o.depth,
          ...(o.python ? { python: o.python } : {}),
          ...(o.cache === false ? { cacheDir: false as const } : {}),
          timeoutS: o.timeout,
        }),
      );
    });

  program
    .command('calibrate')
    .description('measure this machine with the Python harness (your own Python + PyTorch) and train a profile for it')
    .option('-m, --model <name|config.json>', 'built-in model name or HF config.json (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addOption(new Option('--batch-sizes <list>', 'comma-separated batch sizes').argParser(parseIntList).default([1, 8]))
    .addOption(new Option('--seq-lens <list>', 'comma-separated sequence lengths').argParser(parseIntList).default([128, 256]))
    .addOption(new Option('--dtype <dtype>', 'fp32 | fp16 | bf16').argParser(parseDtype).default('bf16'))
    .addOption(new Option('--energy-source <source>', 'where energy is read').choices(ENERGY_SOURCES as string[]).default('nvml'))
    .option('--meter-csv <file>', 'power meter log (timestamp, watts) for --energy-source meter-csv')
    .requiredOption('-o, --out <file>', 'where to write the profile JSON (the measured trees go beside it)')
    .option('--profile-name <name>', 'profile name (default: the output file name)')
    .option('--python <path>', 'Python interpreter with PyTorch (default: IRENE_PYTHON, then python3, /usr/bin/python3 ...)')
    .addOption(new Option('--window-s <s>', 'whole-model measuring window (s)').argParser(Number))
    .addOption(new Option('--node-window-s <s>', 'measuring window per module/primitive (s)').argParser(Number))
    .addOption(new Option('--repeats <n>', 'repeats per measurement').argParser(parsePositiveInt))
    .option('--model-only', 'measure whole models only (faster, no per-node truth)', false)
    .option('--device <device>', 'torch device (default: cuda when available, else cpu)')
    .addOption(new Option('--phase <phase>', 'forward (the bare model), prefill (causal LM filling its KV cache), decode (one step per --contexts) or generate (both)').choices(['forward', 'prefill', 'decode', 'generate']).default('forward'))
    .addOption(new Option('--contexts <list>', 'decode: comma-separated contexts (positions each step attends over)').argParser(parseIntList))
    .addOption(new Option('--attn <impl>', 'attention implementation the harness builds').choices(['eager', 'sdpa']))
    .action(async (o) => {
      const progress = createProgressReporter('calibrating');
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        const outcome = await runCalibrate({
          python: o.python ?? process.env['IRENE_PYTHON'],
          models: o.model.length ? o.model : ['bert-base-uncased', 'gpt2'],
          batchSizes: o.batchSizes,
          seqLens: o.seqLens,
          dtype: o.dtype,
          energySource: o.energySource as EnergySourceName,
          meterCsv: o.meterCsv,
          out: o.out,
          profileName: o.profileName ?? String(o.out).replace(/^.*[\\/]/, '').replace(/\.json$/, ''),
          windowS: o.windowS,
          nodeWindowS: o.nodeWindowS,
          repeats: o.repeats,
          modelOnly: o.modelOnly,
          device: o.device,
          phase: o.phase as 'forward' | 'prefill' | 'decode' | 'generate',
          ...(o.contexts ? { contexts: o.contexts as number[] } : {}),
          ...(o.attn ? { attention: o.attn as 'eager' | 'sdpa' } : {}),
          onProgress: progress.update,
          signal: abort.signal,
        });
        progress.stop();
        emit({ stdout: outcome.report.join('\n'), stderr: [] });
      } finally {
        progress.stop();
        process.off('SIGINT', onSigint);
      }
    });

  return program;
}

/** Runs the CLI; resolves to the exit code instead of exiting, for tests. */
export async function main(argv: string[]): Promise<number> {
  registerBuiltinImporters();
  const program = buildProgram();
  const output = {
    // The usage text commander shows after a missing command goes to stdout: stderr keeps one line.
    writeErr: (s: string) => (s.startsWith('Usage:') ? process.stdout.write(s) : process.stderr.write(s)),
    // "error: unknown command 'predcit'" and its "(Did you mean predict?)" on one line.
    outputError: (s: string, write: (s: string) => void) => write(`${s.trim().replace(/\s*\n\s*/g, ' ')}\n`),
  };
  // Every command: a subcommand reports its own option errors.
  const configure = (c: Command): void => {
    c.configureOutput(output);
    c.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof ExitStatus) return err.code;
    if (err instanceof CommanderError) {
      // --help and --version end through exitOverride with code 0.
      if (err.exitCode === 0) return EXIT_OK;
      // No command (or `help` of an unknown one): commander printed the usage and nothing else.
      if (err.code === 'commander.help') process.stderr.write('irene: give a command (the usage is above)\n');
      return EXIT_USER_ERROR;
    }
    const { code, text } = describeFailure(err);
    process.stderr.write(`${text}\n`);
    return code;
  }
}

/** Resolves once everything written to `stream` so far has been handed to the system (or failed). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    // Writes complete in order: the callback of an empty write comes after every earlier one.
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}

if (require.main === module) {
  // `irene generate --format json | head` closes the pipe early: stop quietly, as other command-line tools do,
  // not with an unhandled 'error' event and its stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK);
    process.stderr.write(`irene: cannot write the output (${err.message})\n`);
    process.exit(EXIT_USER_ERROR);
  });
  void main(process.argv.slice(2)).then(async (code) => {
    process.exitCode = code;
    // Every command has finished when main resolves, but a natural exit first waits for V8's
    // background work (optimizing compiles, concurrent marking), which no longer matters: about
    // 15 ms after `irene generate --format json` prints its 1.5 MB. Exiting at once would cut off
    // output still queued for a pipe, hence the wait for both streams to flush.
    await flushed(process.stdout);
    await flushed(process.stderr);
    process.exit(code);
  });
}
