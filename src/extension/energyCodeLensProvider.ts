/**
 * Two lenses at the top of a model document: the whole model's energy
 * (click: the Energy Tree) and the setting it is predicted for (click: change
 * batch size, sequence length, dtype or profile). A causal LM's config.json
 * gets a third: J per generated token of a decode step and J per request
 * (click: the Energy Tree's decode phase). Listing lenses never waits
 * for the engine: when the prediction is ready and current they come with
 * their commands, otherwise the energy lens is resolved when it lands.
 */
import * as vscode from 'vscode';
import type { DocumentModels, ResolvedDocument } from './documentModels.js';
import { generationLensTitle, lensTitle } from './energyText.js';
import { generativeModelTypeOf } from '../engine/generation/generativeModelTypes.js';
import { COMMANDS } from './ids.js';
import type { IreneLog } from './ireneLog.js';
import { LensRefreshGate } from './lensRefreshGate.js';
import type { PredictionService } from './predictionService.js';
import type { SettingsService } from './settingsService.js';

class EnergyLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly doc: vscode.TextDocument,
    readonly role: 'energy' | 'settings' | 'generation',
  ) {
    super(range);
  }
}

export class EnergyCodeLensProvider implements vscode.CodeLensProvider<EnergyLens>, vscode.Disposable {
  private readonly gate: LensRefreshGate;
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(
    private readonly docs: DocumentModels,
    private readonly service: PredictionService,
    private readonly settings: SettingsService,
    private readonly log: IreneLog,
  ) {
    this.gate = new LensRefreshGate(service);
    this.onDidChangeCodeLenses = this.gate.onDidChange;
  }

  provideCodeLenses(doc: vscode.TextDocument): EnergyLens[] {
    try {
      const ref = this.docs.refOf(doc);
      if (!ref) return [];
      const top = new vscode.Range(0, 0, 0, 0);
      const lenses = [new EnergyLens(top, doc, 'energy'), new EnergyLens(top, doc, 'settings')];
      if (ref.modelKind === 'hf-config' && generativeModelTypeOf(doc.getText()) !== undefined) lenses.push(new EnergyLens(top, doc, 'generation'));
      // With the answer at hand, each lens gets its command now and VS Code skips a resolve round trip per lens.
      const ready = this.docs.resolveNow(doc, { upToDate: true });
      this.gate.listedWith(doc, ref.modelUri, ready?.state);
      if (ready) {
        this.fillEnergy(lenses[0], ready);
        this.fillSettings(lenses[1]);
      }
      return lenses;
    } catch (err) {
      this.log.error(`code lenses of ${doc.uri.toString()}`, err);
      return [];
    }
  }

  async resolveCodeLens(lens: EnergyLens, token: vscode.CancellationToken): Promise<EnergyLens> {
    if (lens.role === 'settings') {
      this.fillSettings(lens);
      return lens;
    }
    if (lens.role === 'generation') return this.resolveGeneration(lens, token);
    const resolved = await this.log.guard(`code lens of ${lens.doc.uri.toString()}`, () => this.docs.resolve(lens.doc, token));
    if (resolved) {
      this.fillEnergy(lens, resolved);
      return lens;
    }
    const ref = this.docs.refOf(lens.doc);
    const state = ref && this.service.state(ref.modelUri);
    lens.command =
      state?.status === 'error'
        ? { title: `$(warning) IrEne cannot predict this model: ${state.message}`, command: COMMANDS.showLog, tooltip: 'Open the IrEne log' }
        : { title: '$(loading~spin) IrEne: predicting…', command: COMMANDS.showLog };
    return lens;
  }

  private async resolveGeneration(lens: EnergyLens, token: vscode.CancellationToken): Promise<EnergyLens> {
    const ref = this.docs.refOf(lens.doc);
    const g = ref && (await this.log.guard(`generation lens of ${lens.doc.uri.toString()}`, () => this.service.getGeneration(ref.modelUri, 'hf-config', token)));
    const r = g?.report;
    const s = this.settings.current;
    lens.command =
      g && r
        ? {
            title: generationLensTitle(
              { stepPerTokenJ: g.step.perTokenJ, stepContext: g.step.context, energyPerRequestJ: r.energyPerRequestJ, promptLen: r.promptLen, outputLen: r.outputLen, batchSize: r.batchSize, gpus: r.gpus },
              { unit: s.unit, carbonIntensity: s.carbonIntensity },
            ),
            command: COMMANDS.setTreePhase,
            arguments: ['decode', ref.modelUri.toString()],
            tooltip: `${r.attention} attention${r.graphs ? ', CUDA graphs' : ''} · ${r.fits ? 'fits in memory' : `does not fit in memory (largest batch ${r.maxBatch ?? '?'})`} · click: the decode step in the Energy Tree`,
          }
        : { title: '$(info) IrEne: no generation prediction for this model', command: COMMANDS.showLog, tooltip: 'Open the IrEne log' };
    return lens;
  }

  private fillSettings(lens: EnergyLens): void {
    const s = this.settings.current;
    lens.command = {
      title: `$(settings-gear) batch ${s.batchSize} · seq ${s.seqLen} · ${s.dtype} · ${s.profile || 'default profile'}`,
      command: COMMANDS.changeSetting,
      tooltip: 'Change the batch size, sequence length, dtype or device profile IrEne predicts for',
    };
  }

  private fillEnergy(lens: EnergyLens, resolved: ResolvedDocument): void {
    const s = this.settings.current;
    lens.command = {
      title: lensTitle(resolved.state.prediction, { unit: s.unit, carbonIntensity: s.carbonIntensity }),
      command: COMMANDS.revealInTree,
      arguments: [resolved.modelUri.toString()],
      tooltip: 'Show this model in the IrEne Energy Tree',
    };
  }

  dispose(): void {
    this.gate.dispose();
  }
}
