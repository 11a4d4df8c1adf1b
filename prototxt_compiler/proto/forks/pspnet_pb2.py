"""Message classes of the pspnet fork, generated from protos/forks/pspnet.proto
by tools/gen_proto.py. Do not edit."""
# fmt: off
from google.protobuf import descriptor_pool as _pool
from google.protobuf import message_factory as _factory

from prototxt_compiler.proto import caffe_pb2 as _caffe_pb2  # noqa: F401  (registers the file it imports)

_SERIALIZED = (
    b'\n\x12forks/pspnet.proto\x12\x1eprototxt_compiler.forks.pspnet\x1a\x0bcaffe.proto"\xda\x07\n\x0bLayerField'
    b's\x12S\n\x0cinterp_param\x18\x8f\x01 \x01(\x0b2/.prototxt_compiler.forks.pspnet.InterpParameterR\x0binter'
    b'pParam\x12c\n\x12seg_accuracy_param\x18\x90\x01 \x01(\x0b24.prototxt_compiler.forks.pspnet.SegAccuracy'
    b'ParameterR\x10segAccuracyParam\x12Z\n\x0fmat_write_param\x18\x91\x01 \x01(\x0b21.prototxt_compiler.forks.'
    b'pspnet.MatWriteParameterR\rmatWriteParam\x12Z\n\x0fdense_crf_param\x18\x92\x01 \x01(\x0b21.prototxt_com'
    b'piler.forks.pspnet.DenseCRFParameterR\rdenseCrfParam\x12o\n\x16domain_transform_param\x18\x93\x01'
    b' \x01(\x0b28.prototxt_compiler.forks.pspnet.DomainTransformParameterR\x14domainTransformP'
    b'aram\x12|\n\x1badaptive_bias_channel_param\x18\x94\x01 \x01(\x0b2<.prototxt_compiler.forks.pspnet.Adap'
    b'tiveBiasChannelParameterR\x18adaptiveBiasChannelParam\x12c\n\x12bias_channel_param\x18\x95\x01 \x01(\x0b2'
    b'4.prototxt_compiler.forks.pspnet.BiasChannelParameterR\x10biasChannelParam\x12c\n\x12uniqu'
    b'e_label_param\x18\x96\x01 \x01(\x0b24.prototxt_compiler.forks.pspnet.UniqueLabelParameterR\x10uniq'
    b'ueLabelParam\x12W\n\x0emat_read_param\x18\x97\x01 \x01(\x0b20.prototxt_compiler.forks.pspnet.MatReadPa'
    b'rameterR\x0cmatReadParam\x12G\n\x08bn_param\x18\x98\x01 \x01(\x0b2+.prototxt_compiler.forks.pspnet.BNPara'
    b'meterR\x07bnParam"\xbd\x03\n\x0bBvlcChanges\x1a\x84\x01\n\x17TransformationParameter\x12#\n\rscale_factors\x18\x08 \x03('
    b'\x02R\x0cscaleFactors\x12 \n\ncrop_width\x18\t \x01(\r:\x010R\tcropWidth\x12"\n\x0bcrop_height\x18\n \x01(\r:\x010R\ncropH'
    b'eight\x1aK\n\x12BatchNormParameter\x125\n\x13update_global_stats\x18\x04 \x01(\x08:\x05falseR\x11updateGlobalSta'
    b'ts\x1a\xd9\x01\n\x12ImageDataParameter\x12&\n\x0cignore_label\x18\x0f \x01(\x05:\x03255R\x0bignoreLabel\x12n\n\nlabel_type\x18'
    b'\x10 \x01(\x0e2H.prototxt_compiler.forks.pspnet.BvlcChanges.ImageDataParameter.LabelType:'
    b'\x05IMAGER\tlabelType"+\n\tLabelType\x12\x08\n\x04NONE\x10\x00\x12\t\n\x05IMAGE\x10\x01\x12\t\n\x05PIXEL\x10\x02"\xdc\x02\n\x0bBNParameter\x129'
    b'\n\x0cslope_filler\x18\x01 \x01(\x0b2\x16.caffe.FillerParameterR\x0bslopeFiller\x127\n\x0bbias_filler\x18\x02 \x01(\x0b2\x16'
    b'.caffe.FillerParameterR\nbiasFiller\x12\x1f\n\x08momentum\x18\x03 \x01(\x02:\x030.9R\x08momentum\x12\x17\n\x03eps\x18\x04 \x01(\x02'
    b':\x051e-05R\x03eps\x12\x1d\n\x06frozen\x18\x05 \x01(\x08:\x05falseR\x06frozen\x12S\n\x06engine\x18\x06 \x01(\x0e22.prototxt_compiler.'
    b'forks.pspnet.BNParameter.Engine:\x07DEFAULTR\x06engine"+\n\x06Engine\x12\x0b\n\x07DEFAULT\x10\x00\x12\t\n\x05CAFFE'
    b'\x10\x01\x12\t\n\x05CUDNN\x10\x02"\xc9\x01\n\x0fInterpParameter\x12\x19\n\x06height\x18\x01 \x01(\x05:\x010R\x06height\x12\x17\n\x05width\x18\x02 \x01(\x05:\x010R\x05'
    b'width\x12"\n\x0bzoom_factor\x18\x03 \x01(\x05:\x011R\nzoomFactor\x12&\n\rshrink_factor\x18\x04 \x01(\x05:\x011R\x0cshrinkFacto'
    b'r\x12\x1a\n\x07pad_beg\x18\x05 \x01(\x05:\x010R\x06padBeg\x12\x1a\n\x07pad_end\x18\x06 \x01(\x05:\x010R\x06padEnd"\x87\x02\n\x14SegAccuracyParamet'
    b'er\x12j\n\x06metric\x18\x01 \x01(\x0e2C.prototxt_compiler.forks.pspnet.SegAccuracyParameter.Accurac'
    b'yMetric:\rPixelAccuracyR\x06metric\x12!\n\x0cignore_label\x18\x02 \x03(\x05R\x0bignoreLabel\x12\x1a\n\x05reset\x18\x03 \x01(\x08'
    b':\x04trueR\x05reset"D\n\x0eAccuracyMetric\x12\x11\n\rPixelAccuracy\x10\x00\x12\x11\n\rClassAccuracy\x10\x01\x12\x0c\n\x08PixelIO'
    b'U\x10\x02"y\n\x11MatWriteParameter\x12\x16\n\x06prefix\x18\x01 \x02(\tR\x06prefix\x12\x18\n\x06source\x18\x02 \x01(\t:\x00R\x06source\x12\x17\n\x05st'
    b'rip\x18\x03 \x01(\x05:\x010R\x05strip\x12\x19\n\x06period\x18\x04 \x01(\x05:\x011R\x06period"\x7f\n\x10MatReadParameter\x12\x16\n\x06prefix\x18\x01 \x02'
    b'(\tR\x06prefix\x12\x18\n\x06source\x18\x02 \x01(\t:\x00R\x06source\x12\x17\n\x05strip\x18\x03 \x01(\x05:\x010R\x05strip\x12 \n\nbatch_size\x18\x04 \x01('
    b'\x05:\x011R\tbatchSize"\xe7\x01\n\x11DenseCRFParameter\x12\x1d\n\x08max_iter\x18\x01 \x01(\x05:\x0210R\x07maxIter\x12\x1c\n\npos_xy_s'
    b'td\x18\x02 \x03(\x02R\x08posXyStd\x12\x13\n\x05pos_w\x18\x03 \x03(\x02R\x04posW\x12\x1a\n\tbi_xy_std\x18\x04 \x03(\x02R\x07biXyStd\x12\x1c\n\nbi_rgb_st'
    b'd\x18\x05 \x03(\x02R\x08biRgbStd\x12\x11\n\x04bi_w\x18\x06 \x03(\x02R\x03biW\x123\n\x12output_probability\x18\x07 \x01(\x08:\x04trueR\x11outputPr'
    b'obability"\xa7\x01\n\x18DomainTransformParameter\x12\x1c\n\x08num_iter\x18\x01 \x01(\x05:\x013R\x07numIter\x12\'\n\rspatial_'
    b'sigma\x18\x02 \x01(\x02:\x0250R\x0cspatialSigma\x12"\n\x0brange_sigma\x18\x03 \x01(\x02:\x015R\nrangeSigma\x12 \n\nmin_weight\x18'
    b'\x04 \x01(\x02:\x010R\tminWeight"\xdf\x01\n\x1cAdaptiveBiasChannelParameter\x12\x1c\n\x08num_iter\x18\x01 \x01(\x05:\x011R\x07numIt'
    b'er\x12"\n\nbg_portion\x18\x02 \x01(\x02:\x030.2R\tbgPortion\x12"\n\nfg_portion\x18\x03 \x01(\x02:\x030.2R\tfgPortion\x12-\n\x0fsu'
    b'ppress_others\x18\x04 \x01(\x08:\x04trueR\x0esuppressOthers\x12*\n\rmargin_others\x18\x05 \x01(\x02:\x051e-05R\x0cmarginO'
    b'thers"\xa8\x02\n\x14BiasChannelParameter\x12\x1a\n\x07bg_bias\x18\x01 \x01(\x02:\x011R\x06bgBias\x12\x1a\n\x07fg_bias\x18\x02 \x01(\x02:\x012R\x06'
    b'fgBias\x12!\n\x0cignore_label\x18\x03 \x03(\x05R\x0bignoreLabel\x12d\n\nlabel_type\x18\x04 \x01(\x0e2>.prototxt_compile'
    b'r.forks.pspnet.BiasChannelParameter.LabelType:\x05IMAGER\tlabelType\x12,\n\x10background_la'
    b'bel\x18\x06 \x01(\x05:\x010R\x0fbackgroundLabel"!\n\tLabelType\x12\t\n\x05IMAGE\x10\x01\x12\t\n\x05PIXEL\x10\x02"y\n\x14UniqueLabelP'
    b'arameter\x12\x1d\n\nmax_labels\x18\x01 \x02(\x05R\tmaxLabels\x12!\n\x0cignore_label\x18\x02 \x03(\x05R\x0bignoreLabel\x12\x1f\n\x0bfo'
    b'rce_label\x18\x03 \x03(\x02R\nforceLabel'
)

DESCRIPTOR = _pool.Default().AddSerializedFile(_SERIALIZED)
if not hasattr(DESCRIPTOR, "message_types_by_name"):  # older runtimes return None
    DESCRIPTOR = _pool.Default().FindFileByName("forks/pspnet.proto")

for _name, _desc in DESCRIPTOR.message_types_by_name.items():
    globals()[_name] = _factory.GetMessageClass(_desc)
for _name, _desc in DESCRIPTOR.enum_types_by_name.items():
    globals()[_name] = _desc
    for _value in _desc.values:
        globals()[_value.name] = _value.number
del _name, _desc
