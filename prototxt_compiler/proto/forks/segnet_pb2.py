"""Message classes of the segnet fork, generated from protos/forks/segnet.proto
by tools/gen_proto.py. Do not edit."""
# fmt: off
from google.protobuf import descriptor_pool as _pool
from google.protobuf import message_factory as _factory

from prototxt_compiler.proto import caffe_pb2 as _caffe_pb2  # noqa: F401  (registers the file it imports)

_SERIALIZED = (
    b'\n\x12forks/segnet.proto\x12\x1eprototxt_compiler.forks.segnet\x1a\x0bcaffe.proto"\x9f\x02\n\x0bLayerField'
    b's\x12F\n\x08bn_param\x18- \x01(\x0b2+.prototxt_compiler.forks.segnet.BNParameterR\x07bnParam\x12Y\n\x0eups'
    b'ample_param\x18\x89\x01 \x01(\x0b21.prototxt_compiler.forks.segnet.UpsampleParameterR\rupsampleP'
    b'aram\x12m\n\x16dense_image_data_param\x18\x8a\x01 \x01(\x0b27.prototxt_compiler.forks.segnet.DenseImag'
    b'eDataParameterR\x13denseImageDataParam"\x8f\x03\n\x0bBvlcChanges\x1ag\n\x14ConvolutionParameter\x12\x13\n\x03p'
    b'ad\x18\x03 \x01(\r:\x010R\x03pad\x12\x1f\n\x0bkernel_size\x18\x04 \x01(\rR\nkernelSize\x12\x19\n\x06stride\x18\x06 \x01(\r:\x011R\x06stride\x1aI\n\x10'
    b'DropoutParameter\x125\n\x13sample_weights_test\x18\x02 \x01(\x08:\x05falseR\x11sampleWeightsTest\x1a3\n\x12Image'
    b'DataParameter\x12\x1d\n\nbatch_size\x18\x04 \x01(\rR\tbatchSize\x1a\x96\x01\n\rLossParameter\x12"\n\tnormalize\x18\x02 \x01('
    b"\x08:\x04trueR\tnormalize\x128\n\x15weight_by_label_freqs\x18\x03 \x01(\x08:\x05falseR\x12weightByLabelFreqs\x12'\n\x0f"
    b'class_weighting\x18\x04 \x03(\x02R\x0eclassWeighting"\xfb\x01\n\x0bBNParameter\x129\n\x0cscale_filler\x18\x01 \x01(\x0b2\x16.ca'
    b'ffe.FillerParameterR\x0bscaleFiller\x129\n\x0cshift_filler\x18\x02 \x01(\x0b2\x16.caffe.FillerParameterR\x0b'
    b'shiftFiller\x12R\n\x07bn_mode\x18\x03 \x01(\x0e22.prototxt_compiler.forks.segnet.BNParameter.BNMode'
    b':\x05LEARNR\x06bnMode""\n\x06BNMode\x12\t\n\x05LEARN\x10\x00\x12\r\n\tINFERENCE\x10\x01"\xe2\x01\n\x11UpsampleParameter\x12\x17\n\x05sca'
    b'le\x18\x01 \x01(\r:\x012R\x05scale\x12\x17\n\x07scale_h\x18\x02 \x01(\rR\x06scaleH\x12\x17\n\x07scale_w\x18\x03 \x01(\rR\x06scaleW\x12!\n\tpad_out_'
    b'h\x18\x04 \x01(\x08:\x05falseR\x07padOutH\x12!\n\tpad_out_w\x18\x05 \x01(\x08:\x05falseR\x07padOutW\x12\x1d\n\nupsample_h\x18\x06 \x01(\rR\t'
    b'upsampleH\x12\x1d\n\nupsample_w\x18\x07 \x01(\rR\tupsampleW"\x99\x03\n\x17DenseImageDataParameter\x12\x16\n\x06source\x18\x01'
    b' \x01(\tR\x06source\x12\x1d\n\nbatch_size\x18\x02 \x01(\rR\tbatchSize\x12\x1e\n\trand_skip\x18\x03 \x01(\r:\x010R\x08randSkip\x12\x1f\n\x07s'
    b'huffle\x18\x04 \x01(\x08:\x05falseR\x07shuffle\x12 \n\nnew_height\x18\x05 \x01(\r:\x010R\tnewHeight\x12\x1e\n\tnew_width\x18\x06 \x01('
    b'\r:\x010R\x08newWidth\x12\x1f\n\x08is_color\x18\x07 \x01(\x08:\x04trueR\x07isColor\x12\x1b\n\tmean_file\x18\x08 \x01(\tR\x08meanFile\x12!\n\x0b'
    b'root_folder\x18\t \x01(\t:\x00R\nrootFolder\x12\x1d\n\x06mirror\x18\n \x01(\x08:\x05falseR\x06mirror\x12 \n\ncrop_width\x18\x0b \x01'
    b'(\r:\x010R\tcropWidth\x12"\n\x0bcrop_height\x18\x0c \x01(\r:\x010R\ncropHeight'
)

DESCRIPTOR = _pool.Default().AddSerializedFile(_SERIALIZED)
if not hasattr(DESCRIPTOR, "message_types_by_name"):  # older runtimes return None
    DESCRIPTOR = _pool.Default().FindFileByName("forks/segnet.proto")

for _name, _desc in DESCRIPTOR.message_types_by_name.items():
    globals()[_name] = _factory.GetMessageClass(_desc)
for _name, _desc in DESCRIPTOR.enum_types_by_name.items():
    globals()[_name] = _desc
    for _value in _desc.values:
        globals()[_value.name] = _value.number
del _name, _desc
