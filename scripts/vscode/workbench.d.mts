// Types of workbench.mjs for the TypeScript tests and benchmark that import it.
import type { Browser, Page } from 'playwright-core';

export const repoRoot: string;
export const toolsDir: string;
export const nodeBin: string;
export const codeServerEntry: string;
export function chromiumPath(): string | undefined;
export function codeServerAvailable(): boolean;

export interface CodeServer {
  port: number;
  origin: string;
  logFile: string;
  userDataDir: string;
  exited: Promise<{ code: number | null; sig: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}
export function startCodeServer(options?: {
  userDataDir?: string;
  extensionsDir?: string;
  env?: Record<string, string>;
  settings?: Record<string, unknown>;
  keybindings?: { key: string; command: string; args?: unknown; when?: string }[];
  logFile?: string;
  timeoutMs?: number;
}): Promise<CodeServer>;
export function workbenchUrl(server: CodeServer, options: { folder?: string; extensionDevelopmentPath?: string; extensionTestsPath?: string }): string;
export function launchBrowser(options?: { headless?: boolean }): Promise<Browser>;
export function runExtensionTests(options: {
  folder?: string;
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  env?: Record<string, string>;
  userDataDir?: string;
  extensionsDir?: string;
  timeoutMs?: number;
  write?: (s: string) => void;
  /** Runs before the workbench loads (add init scripts here). */
  onPage?: (page: Page) => Promise<void>;
  /** Runs after the tests end, while the page is still open (read the DOM here). */
  beforeClose?: (page: Page) => Promise<void>;
}): Promise<number>;
export function stageExtension(dir: string): string;
