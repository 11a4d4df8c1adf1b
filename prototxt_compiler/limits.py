"""Every bound the compiler puts on its input, in one place, each with its reason.

Caffe itself trusts its input: a hostile file can make it allocate until it dies or abort on a
CHECK. The compiler instead refuses, with a ``CompilerError`` naming where and what, anything
past these bounds, before it allocates for it. The README's limits section lists them. Each
bound is far above what any real net needs (the largest prototxt of the public zoos is about
80 KB with about 3,000 layers; the largest BVLC model, VGG-19, has 144M parameters), and every
pass over a net is linear in its size, so no time budget is needed: the size bounds bound the
time too.
"""
from __future__ import annotations

__all__ = [
    "MAX_TEXT_BYTES", "MAX_BINARY_BYTES", "MAX_CAFFEMODEL_BYTES", "MAX_TEXT_DEPTH",
    "MAX_TEXT_ENTRIES", "MAX_LAYERS", "MAX_TOKEN_CHARS", "MAX_QUOTE_CHARS",
    "PARAM_BUDGET_BYTES", "MAX_BLOB_AXES", "VERIFY_BUDGET_BYTES",
]

#: Largest prototxt text read, in bytes. Text costs far more memory per byte than binary once
#: parsed (a message object per block, a position per field); 64 MiB is 800 times the largest
#: real prototxt and keeps a parse well under the memory of a small machine.
MAX_TEXT_BYTES = 64 << 20

#: Largest binary NetParameter read as a net definition, in bytes: 2 GiB - 1, the most that
#: protobuf (and so Caffe's ``ReadProtoFromBinaryFile``, whose limit is ``INT_MAX``) reads.
MAX_BINARY_BYTES = (1 << 31) - 1

#: Largest .caffemodel read, in bytes: Caffe's own ``INT_MAX`` limit, for the same reason.
#: The file is memory-mapped, so this bounds address space, not memory.
MAX_CAFFEMODEL_BYTES = (1 << 31) - 1

#: Deepest nesting of blocks ``{ }`` / ``< >`` / lists ``[ ]`` in text, counting blocks of
#: unknown fields that are skipped. caffe.proto nests at most six messages deep; 100 is
#: protobuf's own recursion limit for binary input.
MAX_TEXT_DEPTH = 100

#: Most fields and blocks a text file may hold outside runs of repeated numbers (each costs a
#: message object or a source position, about 200 bytes). A real net has about 20 per layer;
#: 2M allows 100,000 layers. Runs of repeated numbers (``dim: 1 dim: 3 ...``, ``data: ...``)
#: are read in bulk and cost 4 to 8 bytes a value, so they are not counted.
MAX_TEXT_ENTRIES = 2_000_000

#: Most layers in one net (``layer`` and legacy ``layers`` together), text or binary: 30 times
#: the deepest real net (ResNet-1001 has about 3,000 layers).
MAX_LAYERS = 100_000

#: Longest single token in text (a name, a quoted string, a number), in characters. Names and
#: paths are short; 1 MiB is far past any, and keeps one token's memory bounded.
MAX_TOKEN_CHARS = 1 << 20

#: Longest piece of input quoted in an error message; longer text is cut with its length said.
MAX_QUOTE_CHARS = 60

#: Default memory budget, in bytes, for parameter blobs made by the layers' fillers when no
#: .caffemodel is given: 2 GiB (512M float32 values, 3.5 times VGG-19). A net needing more is
#: refused before anything is allocated, naming its largest layer; ``init_weights(budget=...)``
#: raises or lowers it.
PARAM_BUDGET_BYTES = 2 << 30

#: Most bytes of float32 blobs one ``--verify`` run computes (every layer's tops together, at
#: the run's input sizes): 4 GiB, 2 GiB more than ResNeXt-101 at batch 32 needs. A net whose
#: declared sizes need more (an upsampling by 100,000) is refused before it runs, naming its
#: largest top; the files written stay, since the check runs after them.
VERIFY_BUDGET_BYTES = 4 << 30

#: Most elements on one resized axis of a Resize or Upsample that ``from-onnx`` imports:
#: 65,536 (an image 64k pixels tall). Checking that the Caffe form equals ONNX's resize takes
#: time in the output's size, so a larger one is refused before it is checked.
MAX_RESIZE_AXIS = 1 << 16

#: Most axes of one blob in a .caffemodel (Caffe's ``Blob`` allows 32, ``kMaxBlobAxes``).
MAX_BLOB_AXES = 32

#: Most elements of one blob: Caffe's ``Blob::Reshape`` checks that the count fits an int
#: ("blob size exceeds INT_MAX") and aborts the net otherwise; a top past it is refused.
MAX_BLOB_COUNT = (1 << 31) - 1
