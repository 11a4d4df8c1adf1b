"""Message classes of the deeplab fork, generated from protos/forks/deeplab.proto
by tools/gen_proto.py. Do not edit."""
# fmt: off
from google.protobuf import descriptor_pool as _pool
from google.protobuf import message_factory as _factory

_SERIALIZED = (
    b'\n\x13forks/deeplab.proto\x12\x1fprototxt_compiler.forks.deeplab"\x9a\x07\n\x0bLayerFields\x12T\n\x0cinterp'
    b'_param\x18\x8f\x01 \x01(\x0b20.prototxt_compiler.forks.deeplab.InterpParameterR\x0binterpParam\x12d\n\x12'
    b'seg_accuracy_param\x18\x90\x01 \x01(\x0b25.prototxt_compiler.forks.deeplab.SegAccuracyParameter'
    b'R\x10segAccuracyParam\x12[\n\x0fmat_write_param\x18\x91\x01 \x01(\x0b22.prototxt_compiler.forks.deeplab.M'
    b'atWriteParameterR\rmatWriteParam\x12[\n\x0fdense_crf_param\x18\x92\x01 \x01(\x0b22.prototxt_compiler.fo'
    b'rks.deeplab.DenseCRFParameterR\rdenseCrfParam\x12p\n\x16domain_transform_param\x18\x93\x01 \x01(\x0b29.'
    b'prototxt_compiler.forks.deeplab.DomainTransformParameterR\x14domainTransformParam\x12}'
    b'\n\x1badaptive_bias_channel_param\x18\x94\x01 \x01(\x0b2=.prototxt_compiler.forks.deeplab.AdaptiveB'
    b'iasChannelParameterR\x18adaptiveBiasChannelParam\x12d\n\x12bias_channel_param\x18\x95\x01 \x01(\x0b25.pro'
    b'totxt_compiler.forks.deeplab.BiasChannelParameterR\x10biasChannelParam\x12d\n\x12unique_la'
    b'bel_param\x18\x96\x01 \x01(\x0b25.prototxt_compiler.forks.deeplab.UniqueLabelParameterR\x10uniqueL'
    b'abelParam\x12X\n\x0emat_read_param\x18\x97\x01 \x01(\x0b21.prototxt_compiler.forks.deeplab.MatReadPara'
    b'meterR\x0cmatReadParam"\xbe\x03\n\x0bBvlcChanges\x1a\x84\x01\n\x17TransformationParameter\x12#\n\rscale_factors'
    b'\x18\x08 \x03(\x02R\x0cscaleFactors\x12 \n\ncrop_width\x18\t \x01(\r:\x010R\tcropWidth\x12"\n\x0bcrop_height\x18\n \x01(\r:\x010R\n'
    b'cropHeight\x1aK\n\x12BatchNormParameter\x125\n\x13update_global_stats\x18\x04 \x01(\x08:\x05falseR\x11updateGlob'
    b'alStats\x1a\xda\x01\n\x12ImageDataParameter\x12&\n\x0cignore_label\x18\x0f \x01(\x05:\x03255R\x0bignoreLabel\x12o\n\nlabel_'
    b'type\x18\x10 \x01(\x0e2I.prototxt_compiler.forks.deeplab.BvlcChanges.ImageDataParameter.Labe'
    b'lType:\x05IMAGER\tlabelType"+\n\tLabelType\x12\x08\n\x04NONE\x10\x00\x12\t\n\x05IMAGE\x10\x01\x12\t\n\x05PIXEL\x10\x02"\xc9\x01\n\x0fInterpP'
    b'arameter\x12\x19\n\x06height\x18\x01 \x01(\x05:\x010R\x06height\x12\x17\n\x05width\x18\x02 \x01(\x05:\x010R\x05width\x12"\n\x0bzoom_factor\x18\x03 \x01('
    b'\x05:\x011R\nzoomFactor\x12&\n\rshrink_factor\x18\x04 \x01(\x05:\x011R\x0cshrinkFactor\x12\x1a\n\x07pad_beg\x18\x05 \x01(\x05:\x010R\x06pa'
    b'dBeg\x12\x1a\n\x07pad_end\x18\x06 \x01(\x05:\x010R\x06padEnd"\x88\x02\n\x14SegAccuracyParameter\x12k\n\x06metric\x18\x01 \x01(\x0e2D.prot'
    b'otxt_compiler.forks.deeplab.SegAccuracyParameter.AccuracyMetric:\rPixelAccuracyR\x06'
    b'metric\x12!\n\x0cignore_label\x18\x02 \x03(\x05R\x0bignoreLabel\x12\x1a\n\x05reset\x18\x03 \x01(\x08:\x04trueR\x05reset"D\n\x0eAccurac'
    b'yMetric\x12\x11\n\rPixelAccuracy\x10\x00\x12\x11\n\rClassAccuracy\x10\x01\x12\x0c\n\x08PixelIOU\x10\x02"y\n\x11MatWriteParameter'
    b'\x12\x16\n\x06prefix\x18\x01 \x02(\tR\x06prefix\x12\x18\n\x06source\x18\x02 \x01(\t:\x00R\x06source\x12\x17\n\x05strip\x18\x03 \x01(\x05:\x010R\x05strip\x12\x19\n\x06p'
    b'eriod\x18\x04 \x01(\x05:\x011R\x06period"\x7f\n\x10MatReadParameter\x12\x16\n\x06prefix\x18\x01 \x02(\tR\x06prefix\x12\x18\n\x06source\x18\x02 \x01'
    b'(\t:\x00R\x06source\x12\x17\n\x05strip\x18\x03 \x01(\x05:\x010R\x05strip\x12 \n\nbatch_size\x18\x04 \x01(\x05:\x011R\tbatchSize"\xe7\x01\n\x11Dens'
    b'eCRFParameter\x12\x1d\n\x08max_iter\x18\x01 \x01(\x05:\x0210R\x07maxIter\x12\x1c\n\npos_xy_std\x18\x02 \x03(\x02R\x08posXyStd\x12\x13\n\x05po'
    b's_w\x18\x03 \x03(\x02R\x04posW\x12\x1a\n\tbi_xy_std\x18\x04 \x03(\x02R\x07biXyStd\x12\x1c\n\nbi_rgb_std\x18\x05 \x03(\x02R\x08biRgbStd\x12\x11\n\x04bi_'
    b'w\x18\x06 \x03(\x02R\x03biW\x123\n\x12output_probability\x18\x07 \x01(\x08:\x04trueR\x11outputProbability"\xa7\x01\n\x18DomainTran'
    b"sformParameter\x12\x1c\n\x08num_iter\x18\x01 \x01(\x05:\x013R\x07numIter\x12'\n\rspatial_sigma\x18\x02 \x01(\x02:\x0250R\x0cspatial"
    b'Sigma\x12"\n\x0brange_sigma\x18\x03 \x01(\x02:\x015R\nrangeSigma\x12 \n\nmin_weight\x18\x04 \x01(\x02:\x010R\tminWeight"\xdf\x01\n\x1c'
    b'AdaptiveBiasChannelParameter\x12\x1c\n\x08num_iter\x18\x01 \x01(\x05:\x011R\x07numIter\x12"\n\nbg_portion\x18\x02 \x01(\x02:\x03'
    b'0.2R\tbgPortion\x12"\n\nfg_portion\x18\x03 \x01(\x02:\x030.2R\tfgPortion\x12-\n\x0fsuppress_others\x18\x04 \x01(\x08:\x04tru'
    b'eR\x0esuppressOthers\x12*\n\rmargin_others\x18\x05 \x01(\x02:\x051e-05R\x0cmarginOthers"\xa9\x02\n\x14BiasChannelPar'
    b'ameter\x12\x1a\n\x07bg_bias\x18\x01 \x01(\x02:\x011R\x06bgBias\x12\x1a\n\x07fg_bias\x18\x02 \x01(\x02:\x012R\x06fgBias\x12!\n\x0cignore_label\x18\x03'
    b' \x03(\x05R\x0bignoreLabel\x12e\n\nlabel_type\x18\x04 \x01(\x0e2?.prototxt_compiler.forks.deeplab.BiasChan'
    b'nelParameter.LabelType:\x05IMAGER\tlabelType\x12,\n\x10background_label\x18\x06 \x01(\x05:\x010R\x0fbackgroun'
    b'dLabel"!\n\tLabelType\x12\t\n\x05IMAGE\x10\x01\x12\t\n\x05PIXEL\x10\x02"y\n\x14UniqueLabelParameter\x12\x1d\n\nmax_labels\x18'
    b'\x01 \x02(\x05R\tmaxLabels\x12!\n\x0cignore_label\x18\x02 \x03(\x05R\x0bignoreLabel\x12\x1f\n\x0bforce_label\x18\x03 \x03(\x02R\nforceL'
    b'abel'
)

DESCRIPTOR = _pool.Default().AddSerializedFile(_SERIALIZED)
if not hasattr(DESCRIPTOR, "message_types_by_name"):  # older runtimes return None
    DESCRIPTOR = _pool.Default().FindFileByName("forks/deeplab.proto")

for _name, _desc in DESCRIPTOR.message_types_by_name.items():
    globals()[_name] = _factory.GetMessageClass(_desc)
for _name, _desc in DESCRIPTOR.enum_types_by_name.items():
    globals()[_name] = _desc
    for _value in _desc.values:
        globals()[_value.name] = _value.number
del _name, _desc
