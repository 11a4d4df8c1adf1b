"""Message classes of the yolo fork, generated from protos/forks/yolo.proto
by tools/gen_proto.py. Do not edit."""
# fmt: off
from google.protobuf import descriptor_pool as _pool
from google.protobuf import message_factory as _factory

_SERIALIZED = (
    b'\n\x10forks/yolo.proto\x12\x1cprototxt_compiler.forks.yolo"\xa5\x04\n\x0bLayerFields\x12N\n\x0breorg_param\x18'
    b'\x93\x01 \x01(\x0b2,.prototxt_compiler.forks.yolo.ReorgParameterR\nreorgParam\x12Q\n\x0cregion_param'
    b'\x18\x94\x01 \x01(\x0b2-.prototxt_compiler.forks.yolo.RegionParameterR\x0bregionParam\x12W\n\x0eupsample_'
    b'param\x18\x95\x01 \x01(\x0b2/.prototxt_compiler.forks.yolo.UpsampleParameterR\rupsampleParam\x12K\n\n'
    b'mish_param\x18\x96\x01 \x01(\x0b2+.prototxt_compiler.forks.yolo.MishParameterR\tmishParam\x12^\n\x11reg'
    b'ion_loss_param\x18\xca\x01 \x01(\x0b21.prototxt_compiler.forks.yolo.RegionLossParameterR\x0fregion'
    b'LossParam\x12m\n\x16detection_output_param\x18\xcc\x01 \x01(\x0b26.prototxt_compiler.forks.yolo.Detect'
    b'ionOutputParameterR\x14detectionOutputParam"S\n\x0bBvlcChanges\x1aD\n\rDataParameter\x12\x12\n\x04side'
    b'\x18\x0b \x03(\rR\x04side\x12\x1f\n\tnum_label\x18\x0c \x01(\r:\x0230R\x08numLabel",\n\x11UpsampleParameter\x12\x17\n\x05scale\x18\x01 \x01('
    b'\x05:\x011R\x05scale"\x91\x01\n\rMishParameter\x12S\n\x06engine\x18\x02 \x01(\x0e22.prototxt_compiler.forks.yolo.Mis'
    b'hParameter.Engine:\x07DEFAULTR\x06engine"+\n\x06Engine\x12\x0b\n\x07DEFAULT\x10\x00\x12\t\n\x05CAFFE\x10\x01\x12\t\n\x05CUDNN\x10\x02"'
    b'I\n\x0eReorgParameter\x12\x16\n\x06stride\x18\x01 \x01(\rR\x06stride\x12\x1f\n\x07reverse\x18\x02 \x01(\x08:\x05falseR\x07reverse"\xb5\x01\n\x0fR'
    b'egionParameter\x12\x1c\n\x07classes\x18\x01 \x01(\r:\x0220R\x07classes\x12\x19\n\x06coords\x18\x02 \x01(\r:\x014R\x06coords\x12.\n\x12boxes'
    b'_of_each_grid\x18\x03 \x01(\r:\x015R\x0fboxesOfEachGrid\x12\x1f\n\x07softmax\x18\x04 \x01(\x08:\x05falseR\x07softmax\x12\x18\n\x07anch'
    b'ors\x18\x05 \x01(\tR\x07anchors"\xe1\x04\n\x13RegionLossParameter\x12\x16\n\x04side\x18\x01 \x01(\r:\x0213R\x04side\x12\x1f\n\tnum_class\x18'
    b'\x02 \x01(\r:\x0220R\x08numClass\x12 \n\nbias_match\x18\x03 \x01(\r:\x011R\tbiasMatch\x12\x19\n\x06coords\x18\x04 \x01(\r:\x014R\x06coords'
    b'\x12\x13\n\x03num\x18\x05 \x01(\r:\x015R\x03num\x12\x1b\n\x07softmax\x18\x06 \x01(\r:\x011R\x07softmax\x12\x1b\n\x06jitter\x18\x07 \x01(\x02:\x030.2R\x06jitter\x12'
    b'\x1b\n\x07rescore\x18\x08 \x01(\r:\x011R\x07rescore\x12$\n\x0cobject_scale\x18\t \x01(\x02:\x011R\x0bobjectScale\x12"\n\x0bclass_scal'
    b'e\x18\n \x01(\x02:\x011R\nclassScale\x12*\n\x0enoobject_scale\x18\x0b \x01(\x02:\x030.5R\rnoobjectScale\x12"\n\x0bcoord_scal'
    b'e\x18\x0c \x01(\x02:\x015R\ncoordScale\x12\x1d\n\x08absolute\x18\r \x01(\r:\x011R\x08absolute\x12\x1b\n\x06thresh\x18\x0e \x01(\x02:\x030.2R\x06thre'
    b'sh\x12\x19\n\x06random\x18\x0f \x01(\r:\x011R\x06random\x12\x16\n\x06biases\x18\x10 \x03(\x02R\x06biases\x12!\n\x0csoftmax_tree\x18\x11 \x01(\tR\x0bsof'
    b'tmaxTree\x12\x1b\n\tclass_map\x18\x12 \x01(\tR\x08classMap\x12\x1f\n\tnum_label\x18\x13 \x01(\r:\x0230R\x08numLabel"\xa9\x02\n\x18Detec'
    b'tionOutputParameter\x12\x16\n\x04side\x18\x01 \x01(\r:\x0213R\x04side\x12\x1c\n\x07classes\x18\x02 \x01(\r:\x0220R\x07classes\x12\x1a\n\x07num'
    b'_box\x18\x03 \x01(\r:\x015R\x06numBox\x12\x19\n\x06coords\x18\x04 \x01(\r:\x014R\x06coords\x127\n\x14confidence_threshold\x18\x05 \x01(\x02:\x04'
    b'0.01R\x13confidenceThreshold\x12)\n\rnms_threshold\x18\x06 \x01(\x02:\x040.45R\x0cnmsThreshold\x12\x16\n\x06biases\x18\x07'
    b' \x03(\x02R\x06biases\x12$\n\x0elabel_map_file\x18\x08 \x01(\tR\x0clabelMapFile'
)

DESCRIPTOR = _pool.Default().AddSerializedFile(_SERIALIZED)
if not hasattr(DESCRIPTOR, "message_types_by_name"):  # older runtimes return None
    DESCRIPTOR = _pool.Default().FindFileByName("forks/yolo.proto")

for _name, _desc in DESCRIPTOR.message_types_by_name.items():
    globals()[_name] = _factory.GetMessageClass(_desc)
for _name, _desc in DESCRIPTOR.enum_types_by_name.items():
    globals()[_name] = _desc
    for _value in _desc.values:
        globals()[_value.name] = _value.number
del _name, _desc
