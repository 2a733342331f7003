import { FabricUserError } from '../errors.js';
import type { FabricConfig } from '../config/schema.js';
import { createRunDir } from '../run-dir/run-dir.js';
import { CsvLogger } from './csv.js';
import type { Logger } from './logger.js';
import { TensorBoardLogger } from './tensorboard.js';

/** What a resumed run tells its loggers: the last step the checkpoint had logged (later rows and events are dropped). */
export interface LoggerResume {
  lastLoggedStep: number;
}

/**
 * The loggers of a rank-0 process: instances passed in code, plus the named ones ('csv', 'tensorboard') from code or
 * config, written into the run directory (the CLI's, or a new one under rootDir/name when run without it).
 */
export function createLoggers(requested: (Logger | string)[], config: FabricConfig, runDir: string | undefined, resume?: LoggerResume): Logger[] {
  const instances = requested.filter((l): l is Logger => typeof l !== 'string');
  const names = new Set([...requested.filter((l): l is string => typeof l === 'string'), ...(runDir ? config.loggers : [])]);
  if (names.size === 0) return instances;
  const dir = runDir ?? createRunDir(config.rootDir, config.name).dir;
  const named = [...names].map((name): Logger => {
    if (name === 'csv') return new CsvLogger({ dir, flushEveryNSteps: config.flushLogsEveryNSteps, keepStepsUpTo: resume?.lastLoggedStep });
    if (name === 'tensorboard') return new TensorBoardLogger({ dir, resumeFromStep: resume ? resume.lastLoggedStep + 1 : undefined });
    throw new FabricUserError(`Logger '${name}' is not available in this version of tfjs-fabric; use loggers: [csv, tensorboard].`);
  });
  return [...instances, ...named];
}
