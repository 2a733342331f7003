import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { writeDouble, writeMessage, writeString, writeVarint } from './tf-event.js';

// The hparams plugin's `HParamsPluginData` content. Field numbers come from TensorBoard's
// tensorboard/plugins/hparams/{plugin_data,api}.proto and google/protobuf/struct.proto.

export const HPARAMS_PLUGIN = 'hparams';
export const EXPERIMENT_TAG = '_hparams_/experiment';
export const SESSION_START_INFO_TAG = '_hparams_/session_start_info';
export const SESSION_END_INFO_TAG = '_hparams_/session_end_info';

const PLUGIN_DATA = { version: 1, experiment: 2, sessionStartInfo: 3, sessionEndInfo: 4 } as const;
const EXPERIMENT = { timeCreatedSecs: 3, hparamInfos: 4, metricInfos: 5 } as const;
const HPARAM_INFO = { name: 1, type: 4 } as const;
const METRIC_INFO = { name: 1 } as const;
const METRIC_NAME = { tag: 2 } as const;
const SESSION_START_INFO = { hparams: 1, startTimeSecs: 5 } as const;
const SESSION_END_INFO = { status: 1, endTimeSecs: 2 } as const;
const MAP_ENTRY = { key: 1, value: 2 } as const;
const STRUCT_VALUE = { number: 2, string: 3, bool: 4 } as const;

/** `hparams.DataType`. */
const DATA_TYPE = { string: 1, bool: 2, float64: 3 } as const;
/** `hparams.Status`. */
export const SESSION_STATUS = { success: 1, failure: 2 } as const;
export type SessionStatus = keyof typeof SESSION_STATUS;

/** A hyperparameter value the plugin can show: it stores numbers, strings and booleans only. */
export type HParamValue = number | string | boolean;

/**
 * Turns logged settings into plugin values: nested objects become `a/b` names, bigints numbers,
 * and anything else (arrays, null, dates) its JSON or string form; undefined values are left out.
 */
export function flattenHyperparams(params: Record<string, unknown>, prefix = '', seen = new Set<object>([params])): Map<string, HParamValue> {
  const flat = new Map<string, HParamValue>();
  for (const [key, value] of Object.entries(params)) {
    const name = prefix + key;
    if (value === undefined) continue;
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
      flat.set(name, value);
    } else if (typeof value === 'bigint') {
      flat.set(name, Number(value));
    } else if (value !== null && Object.getPrototypeOf(value) === Object.prototype && !seen.has(value)) {
      const nested = flattenHyperparams(value as Record<string, unknown>, `${name}/`, new Set([...seen, value]));
      for (const [inner, innerValue] of nested) flat.set(inner, innerValue);
    } else {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch {
        // circular structures and the like fall back to String()
      }
      flat.set(name, text ?? String(value));
    }
  }
  return flat;
}

function pluginData(fill: (writer: BinaryWriter) => void): Uint8Array {
  const writer = new BinaryWriter();
  // version 0 is the only schema readers accept; proto3 leaves the zero out, so the field is not written.
  fill(writer);
  return writer.finish();
}

function writeStructValue(writer: BinaryWriter, value: HParamValue): void {
  if (typeof value === 'number') writeDouble(writer, STRUCT_VALUE.number, value);
  else if (typeof value === 'string') writeString(writer, STRUCT_VALUE.string, value);
  else writer.tag(STRUCT_VALUE.bool, WireType.Varint).bool(value);
}

function dataTypeOf(value: HParamValue): number {
  if (typeof value === 'number') return DATA_TYPE.float64;
  return typeof value === 'string' ? DATA_TYPE.string : DATA_TYPE.bool;
}

/** `HParamsPluginData{experiment{time_created_secs, hparam_infos, metric_infos}}`. */
export function encodeExperiment(hparams: Map<string, HParamValue>, metricTags: Iterable<string>, timeCreatedSecs: number): Uint8Array {
  return pluginData((writer) =>
    writeMessage(writer, PLUGIN_DATA.experiment, (experiment) => {
      writeDouble(experiment, EXPERIMENT.timeCreatedSecs, timeCreatedSecs);
      for (const [name, value] of hparams) {
        writeMessage(experiment, EXPERIMENT.hparamInfos, (info) => {
          writeString(info, HPARAM_INFO.name, name);
          writeVarint(info, HPARAM_INFO.type, dataTypeOf(value));
        });
      }
      for (const tag of metricTags) {
        // group "" means the metric lives in the session's own run, as ours do.
        writeMessage(experiment, EXPERIMENT.metricInfos, (info) =>
          writeMessage(info, METRIC_INFO.name, (metricName) => writeString(metricName, METRIC_NAME.tag, tag)),
        );
      }
    }),
  );
}

/** `HParamsPluginData{session_start_info{hparams, start_time_secs}}`. */
export function encodeSessionStartInfo(hparams: Map<string, HParamValue>, startTimeSecs: number): Uint8Array {
  return pluginData((writer) =>
    writeMessage(writer, PLUGIN_DATA.sessionStartInfo, (start) => {
      for (const [name, value] of hparams) {
        writeMessage(start, SESSION_START_INFO.hparams, (entry) => {
          writeString(entry, MAP_ENTRY.key, name);
          writeMessage(entry, MAP_ENTRY.value, (structValue) => writeStructValue(structValue, value));
        });
      }
      writeDouble(start, SESSION_START_INFO.startTimeSecs, startTimeSecs);
    }),
  );
}

/** `HParamsPluginData{session_end_info{status, end_time_secs}}`. */
export function encodeSessionEndInfo(status: SessionStatus, endTimeSecs: number): Uint8Array {
  return pluginData((writer) =>
    writeMessage(writer, PLUGIN_DATA.sessionEndInfo, (end) => {
      writeVarint(end, SESSION_END_INFO.status, SESSION_STATUS[status]);
      writeDouble(end, SESSION_END_INFO.endTimeSecs, endTimeSecs);
    }),
  );
}
