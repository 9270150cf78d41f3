from mmdet.structures import DetDataSample


class VLMDataSample(DetDataSample):
    """One sample of any rscovlm task.

    Built on mmdet's ``DetDataSample`` so ``gt_instances``, ``ignored_instances`` and
    ``pred_instances`` keep the type checks and the layout mmrotate's ``DOTAMetric`` reads.
    Free-form task fields travel as plain data fields rather than one class per task.

    Metainfo: ``img_id`` (DOTA patch ids such as ``P0001__1024__0___512`` kept intact),
    ``task`` (``'det'``, ``'caption'``, ...), ``ori_shape`` (h, w) of the image on disk,
    ``img_shape`` (h, w) of the resized frame the text coordinates live in,
    ``scale_factor`` (w_scale, h_scale) from original to resized, ``classes`` and ``codec``
    (how to read boxes back from the answer).

    Data fields: ``messages`` (the conversation), ``gt_text`` (the target answer),
    ``gt_answer``; instances are rotated boxes ``(cx, cy, w, h, theta[rad])`` in the
    original frame. The prediction (``pred_text``, ``pred_instances``, ``parse_stats``) is
    filled by ``rscovlm.structures.fill_prediction`` only (see
    ``rscovlm/structures/prediction.py`` for its fields).
    """
