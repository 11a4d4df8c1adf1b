# Generated from protos/forks/caffe_priv.proto by tools/gen_proto.py (protoc --pyi_out). Do not edit.
from prototxt_compiler.proto import caffe_pb2 as _caffe_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LayerFields(_message.Message):
    __slots__ = ("roi_pooling_param", "psroi_pooling_param", "inner_product_blob_param", "smooth_l1_loss_param", "box_annotator_ohem_param", "relux_param", "deformable_convolution_param", "selu_param", "selu_dropout_param", "roi_warping_param", "mask_resize_param", "interp_param", "dense_crf_param", "seg_accuracy_param", "largemargin_inner_product_param", "roi_align_param", "deformable_psroi_pooling_param", "focal_loss_param", "margin_inner_product_param", "frcnn_anchor_target_param", "frcnn_proposal_param", "frcnn_proposal_target_param", "roi_mask_align_param", "boxes_obj_param", "roi_mask_pooling_param")
    ROI_POOLING_PARAM_FIELD_NUMBER: _ClassVar[int]
    PSROI_POOLING_PARAM_FIELD_NUMBER: _ClassVar[int]
    INNER_PRODUCT_BLOB_PARAM_FIELD_NUMBER: _ClassVar[int]
    SMOOTH_L1_LOSS_PARAM_FIELD_NUMBER: _ClassVar[int]
    BOX_ANNOTATOR_OHEM_PARAM_FIELD_NUMBER: _ClassVar[int]
    RELUX_PARAM_FIELD_NUMBER: _ClassVar[int]
    DEFORMABLE_CONVOLUTION_PARAM_FIELD_NUMBER: _ClassVar[int]
    SELU_PARAM_FIELD_NUMBER: _ClassVar[int]
    SELU_DROPOUT_PARAM_FIELD_NUMBER: _ClassVar[int]
    ROI_WARPING_PARAM_FIELD_NUMBER: _ClassVar[int]
    MASK_RESIZE_PARAM_FIELD_NUMBER: _ClassVar[int]
    INTERP_PARAM_FIELD_NUMBER: _ClassVar[int]
    DENSE_CRF_PARAM_FIELD_NUMBER: _ClassVar[int]
    SEG_ACCURACY_PARAM_FIELD_NUMBER: _ClassVar[int]
    LARGEMARGIN_INNER_PRODUCT_PARAM_FIELD_NUMBER: _ClassVar[int]
    ROI_ALIGN_PARAM_FIELD_NUMBER: _ClassVar[int]
    DEFORMABLE_PSROI_POOLING_PARAM_FIELD_NUMBER: _ClassVar[int]
    FOCAL_LOSS_PARAM_FIELD_NUMBER: _ClassVar[int]
    MARGIN_INNER_PRODUCT_PARAM_FIELD_NUMBER: _ClassVar[int]
    FRCNN_ANCHOR_TARGET_PARAM_FIELD_NUMBER: _ClassVar[int]
    FRCNN_PROPOSAL_PARAM_FIELD_NUMBER: _ClassVar[int]
    FRCNN_PROPOSAL_TARGET_PARAM_FIELD_NUMBER: _ClassVar[int]
    ROI_MASK_ALIGN_PARAM_FIELD_NUMBER: _ClassVar[int]
    BOXES_OBJ_PARAM_FIELD_NUMBER: _ClassVar[int]
    ROI_MASK_POOLING_PARAM_FIELD_NUMBER: _ClassVar[int]
    roi_pooling_param: ROIPoolingParameter
    psroi_pooling_param: PSROIPoolingParameter
    inner_product_blob_param: InnerProductBlobParameter
    smooth_l1_loss_param: SmoothL1LossParameter
    box_annotator_ohem_param: BoxAnnotatorOHEMParameter
    relux_param: ReLUXParameter
    deformable_convolution_param: DeformableConvolutionParameter
    selu_param: SeLuParameter
    selu_dropout_param: SeLuDropoutParameter
    roi_warping_param: ROIWarpingParameter
    mask_resize_param: MaskResizeParameter
    interp_param: InterpParameter
    dense_crf_param: DenseCRFParameter
    seg_accuracy_param: SegAccuracyParameter
    largemargin_inner_product_param: LargeMarginInnerProductParameter
    roi_align_param: ROIAlignParameter
    deformable_psroi_pooling_param: DeformablePSROIPoolingParameter
    focal_loss_param: FocalLossParameter
    margin_inner_product_param: MarginInnerProductParameter
    frcnn_anchor_target_param: FrcnnAnchorTargetParameter
    frcnn_proposal_param: FrcnnProposalParameter
    frcnn_proposal_target_param: FrcnnProposalTargetParameter
    roi_mask_align_param: ROIMaskAlignParameter
    boxes_obj_param: BoxesObjParameter
    roi_mask_pooling_param: ROIMaskPoolingParameter
    def __init__(self, roi_pooling_param: _Optional[_Union[ROIPoolingParameter, _Mapping]] = ..., psroi_pooling_param: _Optional[_Union[PSROIPoolingParameter, _Mapping]] = ..., inner_product_blob_param: _Optional[_Union[InnerProductBlobParameter, _Mapping]] = ..., smooth_l1_loss_param: _Optional[_Union[SmoothL1LossParameter, _Mapping]] = ..., box_annotator_ohem_param: _Optional[_Union[BoxAnnotatorOHEMParameter, _Mapping]] = ..., relux_param: _Optional[_Union[ReLUXParameter, _Mapping]] = ..., deformable_convolution_param: _Optional[_Union[DeformableConvolutionParameter, _Mapping]] = ..., selu_param: _Optional[_Union[SeLuParameter, _Mapping]] = ..., selu_dropout_param: _Optional[_Union[SeLuDropoutParameter, _Mapping]] = ..., roi_warping_param: _Optional[_Union[ROIWarpingParameter, _Mapping]] = ..., mask_resize_param: _Optional[_Union[MaskResizeParameter, _Mapping]] = ..., interp_param: _Optional[_Union[InterpParameter, _Mapping]] = ..., dense_crf_param: _Optional[_Union[DenseCRFParameter, _Mapping]] = ..., seg_accuracy_param: _Optional[_Union[SegAccuracyParameter, _Mapping]] = ..., largemargin_inner_product_param: _Optional[_Union[LargeMarginInnerProductParameter, _Mapping]] = ..., roi_align_param: _Optional[_Union[ROIAlignParameter, _Mapping]] = ..., deformable_psroi_pooling_param: _Optional[_Union[DeformablePSROIPoolingParameter, _Mapping]] = ..., focal_loss_param: _Optional[_Union[FocalLossParameter, _Mapping]] = ..., margin_inner_product_param: _Optional[_Union[MarginInnerProductParameter, _Mapping]] = ..., frcnn_anchor_target_param: _Optional[_Union[FrcnnAnchorTargetParameter, _Mapping]] = ..., frcnn_proposal_param: _Optional[_Union[FrcnnProposalParameter, _Mapping]] = ..., frcnn_proposal_target_param: _Optional[_Union[FrcnnProposalTargetParameter, _Mapping]] = ..., roi_mask_align_param: _Optional[_Union[ROIMaskAlignParameter, _Mapping]] = ..., boxes_obj_param: _Optional[_Union[BoxesObjParameter, _Mapping]] = ..., roi_mask_pooling_param: _Optional[_Union[ROIMaskPoolingParameter, _Mapping]] = ...) -> None: ...

class BvlcChanges(_message.Message):
    __slots__ = ()
    class PoolingParameter(_message.Message):
        __slots__ = ("ceil_mode",)
        CEIL_MODE_FIELD_NUMBER: _ClassVar[int]
        ceil_mode: bool
        def __init__(self, ceil_mode: _Optional[bool] = ...) -> None: ...
    class LossParameter(_message.Message):
        __slots__ = ("normalization", "pre_fixed_normalizer")
        class NormalizationMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            FULL: _ClassVar[BvlcChanges.LossParameter.NormalizationMode]
            VALID: _ClassVar[BvlcChanges.LossParameter.NormalizationMode]
            BATCH_SIZE: _ClassVar[BvlcChanges.LossParameter.NormalizationMode]
            PRE_FIXED: _ClassVar[BvlcChanges.LossParameter.NormalizationMode]
            NONE: _ClassVar[BvlcChanges.LossParameter.NormalizationMode]
        FULL: BvlcChanges.LossParameter.NormalizationMode
        VALID: BvlcChanges.LossParameter.NormalizationMode
        BATCH_SIZE: BvlcChanges.LossParameter.NormalizationMode
        PRE_FIXED: BvlcChanges.LossParameter.NormalizationMode
        NONE: BvlcChanges.LossParameter.NormalizationMode
        NORMALIZATION_FIELD_NUMBER: _ClassVar[int]
        PRE_FIXED_NORMALIZER_FIELD_NUMBER: _ClassVar[int]
        normalization: BvlcChanges.LossParameter.NormalizationMode
        pre_fixed_normalizer: float
        def __init__(self, normalization: _Optional[_Union[BvlcChanges.LossParameter.NormalizationMode, str]] = ..., pre_fixed_normalizer: _Optional[float] = ...) -> None: ...
    class TransformationParameter(_message.Message):
        __slots__ = ("scale_factors", "crop_width", "crop_height")
        SCALE_FACTORS_FIELD_NUMBER: _ClassVar[int]
        CROP_WIDTH_FIELD_NUMBER: _ClassVar[int]
        CROP_HEIGHT_FIELD_NUMBER: _ClassVar[int]
        scale_factors: _containers.RepeatedScalarFieldContainer[float]
        crop_width: int
        crop_height: int
        def __init__(self, scale_factors: _Optional[_Iterable[float]] = ..., crop_width: _Optional[int] = ..., crop_height: _Optional[int] = ...) -> None: ...
    class ImageDataParameter(_message.Message):
        __slots__ = ("ignore_label", "label_type")
        class LabelType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            NONE: _ClassVar[BvlcChanges.ImageDataParameter.LabelType]
            IMAGE: _ClassVar[BvlcChanges.ImageDataParameter.LabelType]
            PIXEL: _ClassVar[BvlcChanges.ImageDataParameter.LabelType]
        NONE: BvlcChanges.ImageDataParameter.LabelType
        IMAGE: BvlcChanges.ImageDataParameter.LabelType
        PIXEL: BvlcChanges.ImageDataParameter.LabelType
        IGNORE_LABEL_FIELD_NUMBER: _ClassVar[int]
        LABEL_TYPE_FIELD_NUMBER: _ClassVar[int]
        ignore_label: int
        label_type: BvlcChanges.ImageDataParameter.LabelType
        def __init__(self, ignore_label: _Optional[int] = ..., label_type: _Optional[_Union[BvlcChanges.ImageDataParameter.LabelType, str]] = ...) -> None: ...
    class V1LayerParameter(_message.Message):
        __slots__ = ("type", "frcnn_anchor_target_param", "frcnn_proposal_param", "frcnn_proposal_target_param", "relux_param", "boxes_obj_param", "deformable_convolution_param")
        class LayerType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            NONE: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            ACCURACY: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            BNLL: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            CONCAT: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            CONVOLUTION: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            DATA: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            DROPOUT: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            EUCLIDEAN_LOSS: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            FLATTEN: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            HDF5_DATA: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            HDF5_OUTPUT: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            IM2COL: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            IMAGE_DATA: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            INFOGAIN_LOSS: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            INNER_PRODUCT: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            LRN: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            MULTINOMIAL_LOGISTIC_LOSS: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            POOLING: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            RELU: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            SIGMOID: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            SOFTMAX: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            SOFTMAX_LOSS: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            SPLIT: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            TANH: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            WINDOW_DATA: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            ELTWISE: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            POWER: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            SIGMOID_CROSS_ENTROPY_LOSS: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            HINGE_LOSS: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            MEMORY_DATA: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            ARGMAX: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            THRESHOLD: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            DUMMY_DATA: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            SLICE: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            MVN: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            ABSVAL: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            SILENCE: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            CONTRASTIVE_LOSS: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            EXP: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            DECONVOLUTION: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            FRCNN_ANCHOR_TARGET: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            FRCNN_PROPOSAL: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            FRCNN_PROPOSAL_TARGET: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            RELUX: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
            DEFORMABLECONVOLUTION: _ClassVar[BvlcChanges.V1LayerParameter.LayerType]
        NONE: BvlcChanges.V1LayerParameter.LayerType
        ACCURACY: BvlcChanges.V1LayerParameter.LayerType
        BNLL: BvlcChanges.V1LayerParameter.LayerType
        CONCAT: BvlcChanges.V1LayerParameter.LayerType
        CONVOLUTION: BvlcChanges.V1LayerParameter.LayerType
        DATA: BvlcChanges.V1LayerParameter.LayerType
        DROPOUT: BvlcChanges.V1LayerParameter.LayerType
        EUCLIDEAN_LOSS: BvlcChanges.V1LayerParameter.LayerType
        FLATTEN: BvlcChanges.V1LayerParameter.LayerType
        HDF5_DATA: BvlcChanges.V1LayerParameter.LayerType
        HDF5_OUTPUT: BvlcChanges.V1LayerParameter.LayerType
        IM2COL: BvlcChanges.V1LayerParameter.LayerType
        IMAGE_DATA: BvlcChanges.V1LayerParameter.LayerType
        INFOGAIN_LOSS: BvlcChanges.V1LayerParameter.LayerType
        INNER_PRODUCT: BvlcChanges.V1LayerParameter.LayerType
        LRN: BvlcChanges.V1LayerParameter.LayerType
        MULTINOMIAL_LOGISTIC_LOSS: BvlcChanges.V1LayerParameter.LayerType
        POOLING: BvlcChanges.V1LayerParameter.LayerType
        RELU: BvlcChanges.V1LayerParameter.LayerType
        SIGMOID: BvlcChanges.V1LayerParameter.LayerType
        SOFTMAX: BvlcChanges.V1LayerParameter.LayerType
        SOFTMAX_LOSS: BvlcChanges.V1LayerParameter.LayerType
        SPLIT: BvlcChanges.V1LayerParameter.LayerType
        TANH: BvlcChanges.V1LayerParameter.LayerType
        WINDOW_DATA: BvlcChanges.V1LayerParameter.LayerType
        ELTWISE: BvlcChanges.V1LayerParameter.LayerType
        POWER: BvlcChanges.V1LayerParameter.LayerType
        SIGMOID_CROSS_ENTROPY_LOSS: BvlcChanges.V1LayerParameter.LayerType
        HINGE_LOSS: BvlcChanges.V1LayerParameter.LayerType
        MEMORY_DATA: BvlcChanges.V1LayerParameter.LayerType
        ARGMAX: BvlcChanges.V1LayerParameter.LayerType
        THRESHOLD: BvlcChanges.V1LayerParameter.LayerType
        DUMMY_DATA: BvlcChanges.V1LayerParameter.LayerType
        SLICE: BvlcChanges.V1LayerParameter.LayerType
        MVN: BvlcChanges.V1LayerParameter.LayerType
        ABSVAL: BvlcChanges.V1LayerParameter.LayerType
        SILENCE: BvlcChanges.V1LayerParameter.LayerType
        CONTRASTIVE_LOSS: BvlcChanges.V1LayerParameter.LayerType
        EXP: BvlcChanges.V1LayerParameter.LayerType
        DECONVOLUTION: BvlcChanges.V1LayerParameter.LayerType
        FRCNN_ANCHOR_TARGET: BvlcChanges.V1LayerParameter.LayerType
        FRCNN_PROPOSAL: BvlcChanges.V1LayerParameter.LayerType
        FRCNN_PROPOSAL_TARGET: BvlcChanges.V1LayerParameter.LayerType
        RELUX: BvlcChanges.V1LayerParameter.LayerType
        DEFORMABLECONVOLUTION: BvlcChanges.V1LayerParameter.LayerType
        TYPE_FIELD_NUMBER: _ClassVar[int]
        FRCNN_ANCHOR_TARGET_PARAM_FIELD_NUMBER: _ClassVar[int]
        FRCNN_PROPOSAL_PARAM_FIELD_NUMBER: _ClassVar[int]
        FRCNN_PROPOSAL_TARGET_PARAM_FIELD_NUMBER: _ClassVar[int]
        RELUX_PARAM_FIELD_NUMBER: _ClassVar[int]
        BOXES_OBJ_PARAM_FIELD_NUMBER: _ClassVar[int]
        DEFORMABLE_CONVOLUTION_PARAM_FIELD_NUMBER: _ClassVar[int]
        type: BvlcChanges.V1LayerParameter.LayerType
        frcnn_anchor_target_param: FrcnnAnchorTargetParameter
        frcnn_proposal_param: FrcnnProposalParameter
        frcnn_proposal_target_param: FrcnnProposalTargetParameter
        relux_param: ReLUXParameter
        boxes_obj_param: BoxesObjParameter
        deformable_convolution_param: DeformableConvolutionParameter
        def __init__(self, type: _Optional[_Union[BvlcChanges.V1LayerParameter.LayerType, str]] = ..., frcnn_anchor_target_param: _Optional[_Union[FrcnnAnchorTargetParameter, _Mapping]] = ..., frcnn_proposal_param: _Optional[_Union[FrcnnProposalParameter, _Mapping]] = ..., frcnn_proposal_target_param: _Optional[_Union[FrcnnProposalTargetParameter, _Mapping]] = ..., relux_param: _Optional[_Union[ReLUXParameter, _Mapping]] = ..., boxes_obj_param: _Optional[_Union[BoxesObjParameter, _Mapping]] = ..., deformable_convolution_param: _Optional[_Union[DeformableConvolutionParameter, _Mapping]] = ...) -> None: ...
    def __init__(self) -> None: ...

class ROIPoolingParameter(_message.Message):
    __slots__ = ("pooled_h", "pooled_w", "spatial_scale")
    POOLED_H_FIELD_NUMBER: _ClassVar[int]
    POOLED_W_FIELD_NUMBER: _ClassVar[int]
    SPATIAL_SCALE_FIELD_NUMBER: _ClassVar[int]
    pooled_h: int
    pooled_w: int
    spatial_scale: float
    def __init__(self, pooled_h: _Optional[int] = ..., pooled_w: _Optional[int] = ..., spatial_scale: _Optional[float] = ...) -> None: ...

class ROIAlignParameter(_message.Message):
    __slots__ = ("pooled_h", "pooled_w", "spatial_scale")
    POOLED_H_FIELD_NUMBER: _ClassVar[int]
    POOLED_W_FIELD_NUMBER: _ClassVar[int]
    SPATIAL_SCALE_FIELD_NUMBER: _ClassVar[int]
    pooled_h: int
    pooled_w: int
    spatial_scale: float
    def __init__(self, pooled_h: _Optional[int] = ..., pooled_w: _Optional[int] = ..., spatial_scale: _Optional[float] = ...) -> None: ...

class ROIWarpingParameter(_message.Message):
    __slots__ = ("pooled_h", "pooled_w", "spatial_scale")
    POOLED_H_FIELD_NUMBER: _ClassVar[int]
    POOLED_W_FIELD_NUMBER: _ClassVar[int]
    SPATIAL_SCALE_FIELD_NUMBER: _ClassVar[int]
    pooled_h: int
    pooled_w: int
    spatial_scale: float
    def __init__(self, pooled_h: _Optional[int] = ..., pooled_w: _Optional[int] = ..., spatial_scale: _Optional[float] = ...) -> None: ...

class ROIMaskPoolingParameter(_message.Message):
    __slots__ = ("pooled_h", "pooled_w", "spatial_scale", "half_part", "roi_scale", "mask_scale", "spatial_shift")
    POOLED_H_FIELD_NUMBER: _ClassVar[int]
    POOLED_W_FIELD_NUMBER: _ClassVar[int]
    SPATIAL_SCALE_FIELD_NUMBER: _ClassVar[int]
    HALF_PART_FIELD_NUMBER: _ClassVar[int]
    ROI_SCALE_FIELD_NUMBER: _ClassVar[int]
    MASK_SCALE_FIELD_NUMBER: _ClassVar[int]
    SPATIAL_SHIFT_FIELD_NUMBER: _ClassVar[int]
    pooled_h: int
    pooled_w: int
    spatial_scale: float
    half_part: int
    roi_scale: float
    mask_scale: float
    spatial_shift: float
    def __init__(self, pooled_h: _Optional[int] = ..., pooled_w: _Optional[int] = ..., spatial_scale: _Optional[float] = ..., half_part: _Optional[int] = ..., roi_scale: _Optional[float] = ..., mask_scale: _Optional[float] = ..., spatial_shift: _Optional[float] = ...) -> None: ...

class ROIMaskAlignParameter(_message.Message):
    __slots__ = ("pooled_h", "pooled_w", "spatial_scale", "half_part", "roi_scale", "mask_scale", "spatial_shift")
    POOLED_H_FIELD_NUMBER: _ClassVar[int]
    POOLED_W_FIELD_NUMBER: _ClassVar[int]
    SPATIAL_SCALE_FIELD_NUMBER: _ClassVar[int]
    HALF_PART_FIELD_NUMBER: _ClassVar[int]
    ROI_SCALE_FIELD_NUMBER: _ClassVar[int]
    MASK_SCALE_FIELD_NUMBER: _ClassVar[int]
    SPATIAL_SHIFT_FIELD_NUMBER: _ClassVar[int]
    pooled_h: int
    pooled_w: int
    spatial_scale: float
    half_part: int
    roi_scale: float
    mask_scale: float
    spatial_shift: float
    def __init__(self, pooled_h: _Optional[int] = ..., pooled_w: _Optional[int] = ..., spatial_scale: _Optional[float] = ..., half_part: _Optional[int] = ..., roi_scale: _Optional[float] = ..., mask_scale: _Optional[float] = ..., spatial_shift: _Optional[float] = ...) -> None: ...

class PSROIPoolingParameter(_message.Message):
    __slots__ = ("spatial_scale", "output_dim", "group_size")
    SPATIAL_SCALE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DIM_FIELD_NUMBER: _ClassVar[int]
    GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    spatial_scale: float
    output_dim: int
    group_size: int
    def __init__(self, spatial_scale: _Optional[float] = ..., output_dim: _Optional[int] = ..., group_size: _Optional[int] = ...) -> None: ...

class DeformablePSROIPoolingParameter(_message.Message):
    __slots__ = ("spatial_scale", "output_dim", "group_size", "pooled_size", "part_size", "sample_per_part", "trans_std", "no_trans")
    SPATIAL_SCALE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DIM_FIELD_NUMBER: _ClassVar[int]
    GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    POOLED_SIZE_FIELD_NUMBER: _ClassVar[int]
    PART_SIZE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_PER_PART_FIELD_NUMBER: _ClassVar[int]
    TRANS_STD_FIELD_NUMBER: _ClassVar[int]
    NO_TRANS_FIELD_NUMBER: _ClassVar[int]
    spatial_scale: float
    output_dim: int
    group_size: int
    pooled_size: int
    part_size: int
    sample_per_part: int
    trans_std: float
    no_trans: bool
    def __init__(self, spatial_scale: _Optional[float] = ..., output_dim: _Optional[int] = ..., group_size: _Optional[int] = ..., pooled_size: _Optional[int] = ..., part_size: _Optional[int] = ..., sample_per_part: _Optional[int] = ..., trans_std: _Optional[float] = ..., no_trans: _Optional[bool] = ...) -> None: ...

class MaskResizeParameter(_message.Message):
    __slots__ = ("output_height", "output_width")
    OUTPUT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_WIDTH_FIELD_NUMBER: _ClassVar[int]
    output_height: int
    output_width: int
    def __init__(self, output_height: _Optional[int] = ..., output_width: _Optional[int] = ...) -> None: ...

class DeformableConvolutionParameter(_message.Message):
    __slots__ = ("num_output", "bias_term", "pad", "kernel_size", "group", "stride", "weight_filler", "bias_filler", "pad_h", "pad_w", "kernel_h", "kernel_w", "stride_h", "stride_w", "engine", "axis", "force_nd_im2col", "dilation", "deformable_group")
    class Engine(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        DEFAULT: _ClassVar[DeformableConvolutionParameter.Engine]
        CAFFE: _ClassVar[DeformableConvolutionParameter.Engine]
        CUDNN: _ClassVar[DeformableConvolutionParameter.Engine]
    DEFAULT: DeformableConvolutionParameter.Engine
    CAFFE: DeformableConvolutionParameter.Engine
    CUDNN: DeformableConvolutionParameter.Engine
    NUM_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    BIAS_TERM_FIELD_NUMBER: _ClassVar[int]
    PAD_FIELD_NUMBER: _ClassVar[int]
    KERNEL_SIZE_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    STRIDE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FILLER_FIELD_NUMBER: _ClassVar[int]
    BIAS_FILLER_FIELD_NUMBER: _ClassVar[int]
    PAD_H_FIELD_NUMBER: _ClassVar[int]
    PAD_W_FIELD_NUMBER: _ClassVar[int]
    KERNEL_H_FIELD_NUMBER: _ClassVar[int]
    KERNEL_W_FIELD_NUMBER: _ClassVar[int]
    STRIDE_H_FIELD_NUMBER: _ClassVar[int]
    STRIDE_W_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    AXIS_FIELD_NUMBER: _ClassVar[int]
    FORCE_ND_IM2COL_FIELD_NUMBER: _ClassVar[int]
    DILATION_FIELD_NUMBER: _ClassVar[int]
    DEFORMABLE_GROUP_FIELD_NUMBER: _ClassVar[int]
    num_output: int
    bias_term: bool
    pad: _containers.RepeatedScalarFieldContainer[int]
    kernel_size: _containers.RepeatedScalarFieldContainer[int]
    group: int
    stride: _containers.RepeatedScalarFieldContainer[int]
    weight_filler: _caffe_pb2.FillerParameter
    bias_filler: _caffe_pb2.FillerParameter
    pad_h: int
    pad_w: int
    kernel_h: int
    kernel_w: int
    stride_h: int
    stride_w: int
    engine: DeformableConvolutionParameter.Engine
    axis: int
    force_nd_im2col: bool
    dilation: _containers.RepeatedScalarFieldContainer[int]
    deformable_group: int
    def __init__(self, num_output: _Optional[int] = ..., bias_term: _Optional[bool] = ..., pad: _Optional[_Iterable[int]] = ..., kernel_size: _Optional[_Iterable[int]] = ..., group: _Optional[int] = ..., stride: _Optional[_Iterable[int]] = ..., weight_filler: _Optional[_Union[_caffe_pb2.FillerParameter, _Mapping]] = ..., bias_filler: _Optional[_Union[_caffe_pb2.FillerParameter, _Mapping]] = ..., pad_h: _Optional[int] = ..., pad_w: _Optional[int] = ..., kernel_h: _Optional[int] = ..., kernel_w: _Optional[int] = ..., stride_h: _Optional[int] = ..., stride_w: _Optional[int] = ..., engine: _Optional[_Union[DeformableConvolutionParameter.Engine, str]] = ..., axis: _Optional[int] = ..., force_nd_im2col: _Optional[bool] = ..., dilation: _Optional[_Iterable[int]] = ..., deformable_group: _Optional[int] = ...) -> None: ...

class FrcnnAnchorTargetParameter(_message.Message):
    __slots__ = ("feat_stride", "config")
    FEAT_STRIDE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    feat_stride: int
    config: str
    def __init__(self, feat_stride: _Optional[int] = ..., config: _Optional[str] = ...) -> None: ...

class FrcnnProposalParameter(_message.Message):
    __slots__ = ("feat_stride", "config")
    FEAT_STRIDE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    feat_stride: int
    config: str
    def __init__(self, feat_stride: _Optional[int] = ..., config: _Optional[str] = ...) -> None: ...

class FrcnnProposalTargetParameter(_message.Message):
    __slots__ = ("num_classes",)
    NUM_CLASSES_FIELD_NUMBER: _ClassVar[int]
    num_classes: int
    def __init__(self, num_classes: _Optional[int] = ...) -> None: ...

class BoxesObjParameter(_message.Message):
    __slots__ = ("cls_thresh", "nms", "box_vote", "cls_indexes")
    CLS_THRESH_FIELD_NUMBER: _ClassVar[int]
    NMS_FIELD_NUMBER: _ClassVar[int]
    BOX_VOTE_FIELD_NUMBER: _ClassVar[int]
    CLS_INDEXES_FIELD_NUMBER: _ClassVar[int]
    cls_thresh: float
    nms: float
    box_vote: bool
    cls_indexes: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, cls_thresh: _Optional[float] = ..., nms: _Optional[float] = ..., box_vote: _Optional[bool] = ..., cls_indexes: _Optional[_Iterable[int]] = ...) -> None: ...

class BoxAnnotatorOHEMParameter(_message.Message):
    __slots__ = ("roi_per_img", "ignore_label")
    ROI_PER_IMG_FIELD_NUMBER: _ClassVar[int]
    IGNORE_LABEL_FIELD_NUMBER: _ClassVar[int]
    roi_per_img: int
    ignore_label: int
    def __init__(self, roi_per_img: _Optional[int] = ..., ignore_label: _Optional[int] = ...) -> None: ...

class SmoothL1LossParameter(_message.Message):
    __slots__ = ("sigma",)
    SIGMA_FIELD_NUMBER: _ClassVar[int]
    sigma: float
    def __init__(self, sigma: _Optional[float] = ...) -> None: ...

class FocalLossParameter(_message.Message):
    __slots__ = ("type", "gamma", "alpha", "beta")
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ORIGIN: _ClassVar[FocalLossParameter.Type]
        LINEAR: _ClassVar[FocalLossParameter.Type]
    ORIGIN: FocalLossParameter.Type
    LINEAR: FocalLossParameter.Type
    TYPE_FIELD_NUMBER: _ClassVar[int]
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    BETA_FIELD_NUMBER: _ClassVar[int]
    type: FocalLossParameter.Type
    gamma: float
    alpha: float
    beta: float
    def __init__(self, type: _Optional[_Union[FocalLossParameter.Type, str]] = ..., gamma: _Optional[float] = ..., alpha: _Optional[float] = ..., beta: _Optional[float] = ...) -> None: ...

class InnerProductBlobParameter(_message.Message):
    __slots__ = ("transpose",)
    TRANSPOSE_FIELD_NUMBER: _ClassVar[int]
    transpose: bool
    def __init__(self, transpose: _Optional[bool] = ...) -> None: ...

class LargeMarginInnerProductParameter(_message.Message):
    __slots__ = ("num_output", "type", "weight_filler", "axis", "base", "gamma", "power", "iteration", "lambda_min")
    class LargeMarginType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        SINGLE: _ClassVar[LargeMarginInnerProductParameter.LargeMarginType]
        DOUBLE: _ClassVar[LargeMarginInnerProductParameter.LargeMarginType]
        TRIPLE: _ClassVar[LargeMarginInnerProductParameter.LargeMarginType]
        QUADRUPLE: _ClassVar[LargeMarginInnerProductParameter.LargeMarginType]
    SINGLE: LargeMarginInnerProductParameter.LargeMarginType
    DOUBLE: LargeMarginInnerProductParameter.LargeMarginType
    TRIPLE: LargeMarginInnerProductParameter.LargeMarginType
    QUADRUPLE: LargeMarginInnerProductParameter.LargeMarginType
    NUM_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FILLER_FIELD_NUMBER: _ClassVar[int]
    AXIS_FIELD_NUMBER: _ClassVar[int]
    BASE_FIELD_NUMBER: _ClassVar[int]
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    POWER_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    LAMBDA_MIN_FIELD_NUMBER: _ClassVar[int]
    num_output: int
    type: LargeMarginInnerProductParameter.LargeMarginType
    weight_filler: _caffe_pb2.FillerParameter
    axis: int
    base: float
    gamma: float
    power: float
    iteration: int
    lambda_min: float
    def __init__(self, num_output: _Optional[int] = ..., type: _Optional[_Union[LargeMarginInnerProductParameter.LargeMarginType, str]] = ..., weight_filler: _Optional[_Union[_caffe_pb2.FillerParameter, _Mapping]] = ..., axis: _Optional[int] = ..., base: _Optional[float] = ..., gamma: _Optional[float] = ..., power: _Optional[float] = ..., iteration: _Optional[int] = ..., lambda_min: _Optional[float] = ...) -> None: ...

class MarginInnerProductParameter(_message.Message):
    __slots__ = ("num_output", "type", "weight_filler", "axis", "base", "gamma", "power", "iteration", "lambda_min")
    class MarginType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        SINGLE: _ClassVar[MarginInnerProductParameter.MarginType]
        DOUBLE: _ClassVar[MarginInnerProductParameter.MarginType]
        TRIPLE: _ClassVar[MarginInnerProductParameter.MarginType]
        QUADRUPLE: _ClassVar[MarginInnerProductParameter.MarginType]
    SINGLE: MarginInnerProductParameter.MarginType
    DOUBLE: MarginInnerProductParameter.MarginType
    TRIPLE: MarginInnerProductParameter.MarginType
    QUADRUPLE: MarginInnerProductParameter.MarginType
    NUM_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FILLER_FIELD_NUMBER: _ClassVar[int]
    AXIS_FIELD_NUMBER: _ClassVar[int]
    BASE_FIELD_NUMBER: _ClassVar[int]
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    POWER_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    LAMBDA_MIN_FIELD_NUMBER: _ClassVar[int]
    num_output: int
    type: MarginInnerProductParameter.MarginType
    weight_filler: _caffe_pb2.FillerParameter
    axis: int
    base: float
    gamma: float
    power: float
    iteration: int
    lambda_min: float
    def __init__(self, num_output: _Optional[int] = ..., type: _Optional[_Union[MarginInnerProductParameter.MarginType, str]] = ..., weight_filler: _Optional[_Union[_caffe_pb2.FillerParameter, _Mapping]] = ..., axis: _Optional[int] = ..., base: _Optional[float] = ..., gamma: _Optional[float] = ..., power: _Optional[float] = ..., iteration: _Optional[int] = ..., lambda_min: _Optional[float] = ...) -> None: ...

class ReLUXParameter(_message.Message):
    __slots__ = ("negative_slope", "maximal_value")
    NEGATIVE_SLOPE_FIELD_NUMBER: _ClassVar[int]
    MAXIMAL_VALUE_FIELD_NUMBER: _ClassVar[int]
    negative_slope: float
    maximal_value: float
    def __init__(self, negative_slope: _Optional[float] = ..., maximal_value: _Optional[float] = ...) -> None: ...

class SeLuParameter(_message.Message):
    __slots__ = ("alpha",)
    LAMBDA_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    alpha: float
    def __init__(self, alpha: _Optional[float] = ..., **kwargs) -> None: ...

class SeLuDropoutParameter(_message.Message):
    __slots__ = ("dropout_ratio", "alpha")
    DROPOUT_RATIO_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    dropout_ratio: float
    alpha: float
    def __init__(self, dropout_ratio: _Optional[float] = ..., alpha: _Optional[float] = ...) -> None: ...

class InterpParameter(_message.Message):
    __slots__ = ("height", "width", "zoom_factor", "shrink_factor", "pad_beg", "pad_end", "use_blob_size")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FACTOR_FIELD_NUMBER: _ClassVar[int]
    SHRINK_FACTOR_FIELD_NUMBER: _ClassVar[int]
    PAD_BEG_FIELD_NUMBER: _ClassVar[int]
    PAD_END_FIELD_NUMBER: _ClassVar[int]
    USE_BLOB_SIZE_FIELD_NUMBER: _ClassVar[int]
    height: int
    width: int
    zoom_factor: int
    shrink_factor: int
    pad_beg: int
    pad_end: int
    use_blob_size: bool
    def __init__(self, height: _Optional[int] = ..., width: _Optional[int] = ..., zoom_factor: _Optional[int] = ..., shrink_factor: _Optional[int] = ..., pad_beg: _Optional[int] = ..., pad_end: _Optional[int] = ..., use_blob_size: _Optional[bool] = ...) -> None: ...

class DenseCRFParameter(_message.Message):
    __slots__ = ("max_iter", "pos_xy_std", "pos_w", "bi_xy_std", "bi_rgb_std", "bi_w", "output_probability")
    MAX_ITER_FIELD_NUMBER: _ClassVar[int]
    POS_XY_STD_FIELD_NUMBER: _ClassVar[int]
    POS_W_FIELD_NUMBER: _ClassVar[int]
    BI_XY_STD_FIELD_NUMBER: _ClassVar[int]
    BI_RGB_STD_FIELD_NUMBER: _ClassVar[int]
    BI_W_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    max_iter: int
    pos_xy_std: _containers.RepeatedScalarFieldContainer[float]
    pos_w: _containers.RepeatedScalarFieldContainer[float]
    bi_xy_std: _containers.RepeatedScalarFieldContainer[float]
    bi_rgb_std: _containers.RepeatedScalarFieldContainer[float]
    bi_w: _containers.RepeatedScalarFieldContainer[float]
    output_probability: bool
    def __init__(self, max_iter: _Optional[int] = ..., pos_xy_std: _Optional[_Iterable[float]] = ..., pos_w: _Optional[_Iterable[float]] = ..., bi_xy_std: _Optional[_Iterable[float]] = ..., bi_rgb_std: _Optional[_Iterable[float]] = ..., bi_w: _Optional[_Iterable[float]] = ..., output_probability: _Optional[bool] = ...) -> None: ...

class SegAccuracyParameter(_message.Message):
    __slots__ = ("metric", "ignore_label", "reset")
    class AccuracyMetric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        PixelAccuracy: _ClassVar[SegAccuracyParameter.AccuracyMetric]
        ClassAccuracy: _ClassVar[SegAccuracyParameter.AccuracyMetric]
        PixelIOU: _ClassVar[SegAccuracyParameter.AccuracyMetric]
    PixelAccuracy: SegAccuracyParameter.AccuracyMetric
    ClassAccuracy: SegAccuracyParameter.AccuracyMetric
    PixelIOU: SegAccuracyParameter.AccuracyMetric
    METRIC_FIELD_NUMBER: _ClassVar[int]
    IGNORE_LABEL_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    metric: SegAccuracyParameter.AccuracyMetric
    ignore_label: _containers.RepeatedScalarFieldContainer[int]
    reset: bool
    def __init__(self, metric: _Optional[_Union[SegAccuracyParameter.AccuracyMetric, str]] = ..., ignore_label: _Optional[_Iterable[int]] = ..., reset: _Optional[bool] = ...) -> None: ...
