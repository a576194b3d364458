/**
 * Calibration's public surface for the adapters (CLI, extension host). Not
 * re-exported from src/engine/index.ts because nodeProcessRunner imports
 * node:child_process, which the webview's browser bundle cannot resolve; the
 * pure parts may be re-exported there if the webview ever needs them.
 */
export * from './harnessCommand.js';
export * from './harnessOutput.js';
export * from './processRunner.js';
export * from './runCalibration.js';
export { createNodeProcessRunner } from './nodeProcessRunner.js';
// What adapters need to store and show the trained profile.
export { serializeProfile, summarizeProfile, type Profile } from '../profiles/profileFormat.js';
