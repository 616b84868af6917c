import * as path from 'path';
import { App } from '../../lib/core/app';
import { builtinCatalogue } from '../../lib/core/types';
import type { SynthesizedStack } from '../../synth/blueprint';
import { synthesizeApp } from '../../synth/synthesize';
import { validateBlueprint } from '../../synth/validate';

/** Runs a sample's main.ts (in this jest process) and synthesizes every stack it creates. */
export function synthesizeSample(sampleDirectory: string): SynthesizedStack[] {
  App.resetCreated();
  jest.isolateModules(() => {
    require(path.join(sampleDirectory, 'main.ts'));
  });
  return App.created().flatMap((app) => synthesizeApp(app));
}

/** Schema problems of a synthesized blueprint against Cloudify DSL 1.4 and hybrid's types. */
export function blueprintProblems(stack: SynthesizedStack): string[] {
  return validateBlueprint(stack.blueprint, builtinCatalogue());
}
