"""Reads a run folder with TensorBoard's own event readers and prints what they saw as JSON.

Used by test/loggers/tensorboard-python.test.ts: argv[1] is the run folder.
"""

import json
import sys

from google.protobuf import json_format
from tensorboard.backend.event_processing import event_accumulator, plugin_event_accumulator
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.util import tensor_util

run_dir = sys.argv[1]

# The classic accumulator: scalars from simple_value, everything else as tensors.
classic = event_accumulator.EventAccumulator(
    run_dir, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0}
)
classic.Reload()
tags = classic.Tags()
tensors = {}
for tag in tags["tensors"]:
    plugin = classic.SummaryMetadata(tag).plugin_data
    entry = {"plugin": plugin.plugin_name, "steps": [e.step for e in classic.Tensors(tag)]}
    if plugin.plugin_name == "text":
        entry["values"] = [
            [v.decode("utf-8") for v in tensor_util.make_ndarray(e.tensor_proto).ravel()]
            for e in classic.Tensors(tag)
        ]
    if plugin.plugin_name == "hparams":
        data = plugin_data_pb2.HParamsPluginData.FromString(plugin.content)
        entry["data"] = json_format.MessageToDict(data)
    tensors[tag] = entry

# The accumulator behind `tensorboard --logdir`: it migrates simple_value into scalar-plugin tensors.
served = plugin_event_accumulator.EventAccumulator(run_dir, size_guidance={"tensors": 0})
served.Reload()

print(
    json.dumps(
        {
            "file_version": classic.file_version,
            "scalars": {t: [[e.step, e.value] for e in classic.Scalars(t)] for t in tags["scalars"]},
            "tensors": tensors,
            "served_plugins": sorted(served.ActivePlugins()),
            "served_scalar_steps": {
                t: [e.step for e in served.Tensors(t)]
                for t in served.PluginTagToContent("scalars")
            },
        }
    )
)
