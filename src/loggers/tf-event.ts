import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

// Encoders for the TensorBoard `Event` protobuf. Field numbers come from tensorflow/core/util/event.proto,
// tensorflow/core/framework/{summary,tensor,tensor_shape,types}.proto (TensorBoard's copies in compat/proto).

const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5, sessionLog: 7 } as const;
const SUMMARY = { value: 1 } as const;
const SUMMARY_VALUE = { tag: 1, simpleValue: 2, tensor: 8, metadata: 9 } as const;
const SUMMARY_METADATA = { pluginData: 1 } as const;
const PLUGIN_DATA = { pluginName: 1, content: 2 } as const;
const SESSION_LOG = { status: 1 } as const;
const TENSOR = { dtype: 1, shape: 2, stringVal: 8 } as const;
const TENSOR_SHAPE = { dim: 2 } as const;
const TENSOR_SHAPE_DIM = { size: 1 } as const;

/** `tensorflow.DataType` values. */
const DT_FLOAT = 1;
const DT_STRING = 7;
/** `SessionLog.SessionStatus.START`: readers drop what earlier files logged at this step and after. */
const SESSION_START = 1;

/** The version string every event file starts with; readers use it to choose how to purge after restarts. */
export const EVENT_FILE_VERSION = 'brain.Event:2';

type Fill = (writer: BinaryWriter) => void;

/** Writes an embedded message as a length-delimited field. */
export function writeMessage(writer: BinaryWriter, field: number, fill: Fill): void {
  writer.tag(field, WireType.LengthDelimited).fork();
  fill(writer);
  writer.join();
}

export function writeString(writer: BinaryWriter, field: number, value: string): void {
  writer.tag(field, WireType.LengthDelimited).string(value);
}

export function writeDouble(writer: BinaryWriter, field: number, value: number): void {
  writer.tag(field, WireType.Bit64).double(value);
}

export function writeVarint(writer: BinaryWriter, field: number, value: number): void {
  writer.tag(field, WireType.Varint).int64(value);
}

function encodeEvent(wallTime: number, step: number, what: Fill): Uint8Array {
  const writer = new BinaryWriter();
  writeDouble(writer, EVENT.wallTime, wallTime);
  if (step !== 0) writeVarint(writer, EVENT.step, step);
  what(writer);
  return writer.finish();
}

/** A tensor as the hparams and text plugins expect it. */
export type TensorSpec = { kind: 'empty-float' } | { kind: 'strings'; values: string[] };

/** One `Summary.Value`: a plain scalar, or plugin data with a tensor. */
export type SummaryValueSpec =
  | { tag: string; simpleValue: number }
  | { tag: string; plugin?: { name: string; content: Uint8Array }; tensor: TensorSpec };

function writeTensor(writer: BinaryWriter, tensor: TensorSpec): void {
  const strings = tensor.kind === 'strings' ? tensor.values : [];
  writeVarint(writer, TENSOR.dtype, tensor.kind === 'strings' ? DT_STRING : DT_FLOAT);
  writeMessage(writer, TENSOR.shape, (shape) =>
    writeMessage(shape, TENSOR_SHAPE.dim, (dim) => {
      if (strings.length > 0) writeVarint(dim, TENSOR_SHAPE_DIM.size, strings.length);
    }),
  );
  for (const value of strings) writer.tag(TENSOR.stringVal, WireType.LengthDelimited).bytes(Buffer.from(value, 'utf8'));
}

function writeSummaryValue(writer: BinaryWriter, value: SummaryValueSpec): void {
  writeString(writer, SUMMARY_VALUE.tag, value.tag);
  if ('simpleValue' in value) {
    // float32 field: Math.fround turns values beyond float32 range into ±Infinity instead of an encoder error.
    writer.tag(SUMMARY_VALUE.simpleValue, WireType.Bit32).float(Math.fround(value.simpleValue));
    return;
  }
  const plugin = value.plugin;
  if (plugin) {
    writeMessage(writer, SUMMARY_VALUE.metadata, (metadata) =>
      writeMessage(metadata, SUMMARY_METADATA.pluginData, (data) => {
        writeString(data, PLUGIN_DATA.pluginName, plugin.name);
        if (plugin.content.length > 0) data.tag(PLUGIN_DATA.content, WireType.LengthDelimited).bytes(plugin.content);
      }),
    );
  }
  writeMessage(writer, SUMMARY_VALUE.tensor, (tensor) => writeTensor(tensor, value.tensor));
}

/** `Event{wall_time, file_version: "brain.Event:2"}`, the first record of every event file. */
export function encodeFileVersionEvent(wallTime: number): Uint8Array {
  return encodeEvent(wallTime, 0, (writer) => writeString(writer, EVENT.fileVersion, EVENT_FILE_VERSION));
}

/** `Event{wall_time, step, summary{value...}}`. */
export function encodeSummaryEvent(wallTime: number, step: number, values: SummaryValueSpec[]): Uint8Array {
  return encodeEvent(wallTime, step, (writer) =>
    writeMessage(writer, EVENT.summary, (summary) => {
      for (const value of values) writeMessage(summary, SUMMARY.value, (v) => writeSummaryValue(v, value));
    }),
  );
}

/** `Event{wall_time, step, session_log{status: START}}`: a restart at `step`. */
export function encodeSessionStartEvent(wallTime: number, step: number): Uint8Array {
  return encodeEvent(wallTime, step, (writer) =>
    writeMessage(writer, EVENT.sessionLog, (log) => writeVarint(log, SESSION_LOG.status, SESSION_START)),
  );
}
