/**
 * The quick fix of a budget diagnostic: open the budget entry the model is
 * held to (the diagnostic's related information says where it is written).
 */
import * as vscode from 'vscode';
import { BUDGET_DIAGNOSTIC_SOURCE } from './budgetService.js';

export class BudgetCodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(_doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== BUDGET_DIAGNOSTIC_SOURCE) continue;
      const entry = d.relatedInformation?.[0]?.location;
      if (!entry) continue;
      const action = new vscode.CodeAction(`Open the budget entry (${vscode.workspace.asRelativePath(entry.uri)})`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.isPreferred = true;
      action.command = { title: 'Open the budget entry', command: 'vscode.open', arguments: [entry.uri, { selection: entry.range, preview: false }] };
      out.push(action);
    }
    return out;
  }
}
