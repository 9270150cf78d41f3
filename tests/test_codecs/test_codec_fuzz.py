"""decode() must never raise, whatever the model writes."""
import string
import warnings

import numpy as np
import pytest

from rscovlm.codecs import HBoxCodec, QBoxCodec, RBoxCodec

CLASSES = ['plane', 'ship', 'small vehicle', 'large vehicle', 'storage tank']
CODECS = [QBoxCodec(), QBoxCodec(fmt='json'), QBoxCodec(clockwise=False), RBoxCodec(),
          RBoxCodec(fmt='json'), HBoxCodec(), HBoxCodec(fmt='json')]
ALPHABETS = [
    string.digits + ',',
    string.digits + ', \n-.',
    string.printable,
    '{}[]()":,0123456789 \n\tlabel',
    'éß中文🚀\u200b\u2028\x00\x0b\r' + string.digits + ', \n',
]


def random_text(rng, alphabet, max_len=200):
    n = int(rng.integers(0, max_len))
    return ''.join(alphabet[i] for i in rng.integers(0, len(alphabet), n))


def mutate(rng, text):
    """Truncate, delete, duplicate or insert characters in a valid answer."""
    chars = list(text)
    for _ in range(int(rng.integers(1, 6))):
        op = int(rng.integers(0, 4))
        pos = int(rng.integers(0, len(chars) + 1))
        if op == 0:
            chars = chars[:pos]
        elif op == 1 and chars:
            del chars[min(pos, len(chars) - 1)]
        elif op == 2:
            chars[pos:pos] = chars[pos:pos + int(rng.integers(1, 10))]
        else:
            chars.insert(pos, rng.choice(list('0123456789,.- \n{}[]()":\'\\é')))
    return ''.join(chars)


def fuzz_texts(seed, num):
    rng = np.random.default_rng(seed)
    texts = [None, '', ' ', '\n\n', ',', ',,,,', '[', ']', '{}', '[]', 'null', 'true', '"x"',
             '```json', '```json\n```', '```json\n[\n', '[' * 5000, '{"a":' * 3000,
             '9' * 400 + ',1,2,3,4,5,6,7 ship', '9' * 5000, '-' + '9' * 300 + ' ship',
             '1e400,2,3,4 ship', 'nan,nan,nan,nan ship', 'inf,1,2,3,4,5,6,7 ship',
             '{"quadrant bbox": [1e999, 2, 3, 4, 5, 6, 7, 8], "label": "ship"}',
             '[{"oriented bbox": [1, 2, 3, 4, NaN], "label": "ship"}]',
             '[{"bbox_2d": [true, false, 3, 4], "label": 5}]',
             '[{"bbox_2d": "1,2,3,4", "label": null}]',
             '\ud800,\udfff ship', 'There are none', 'there are none...', '١٢,٣,٤,٥ ship']
    valid = []
    for codec in CODECS:
        polys = rng.uniform(-50, 1000, (int(rng.integers(1, 8)), 8))
        valid.append(codec.encode(polys, list(rng.choice(CLASSES, len(polys)))))
    while len(texts) < num:
        kind = int(rng.integers(0, 3))
        if kind == 0:
            texts.append(random_text(rng, ALPHABETS[int(rng.integers(0, len(ALPHABETS)))]))
        else:
            texts.append(mutate(rng, valid[int(rng.integers(0, len(valid)))]))
    return texts


@pytest.mark.parametrize('seed', range(len(CODECS)), ids=[repr(c) for c in CODECS])
def test_decode_never_raises(seed):
    codec = CODECS[seed]
    texts = fuzz_texts(seed=seed, num=3000)
    num_boxes = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        for text in texts:
            for class_names, scale in ((CLASSES, (1.5, 0.5)), (None, (1.0, 1.0))):
                res = codec.decode(text, class_names, scale)
                n = len(res.names)
                assert res.qboxes.shape == (n, 8) and res.qboxes.dtype == np.float32
                assert res.labels.shape == (n,) and res.labels.dtype == np.int64
                assert res.scores.shape == (n,) and res.scores.dtype == np.float32
                assert np.isfinite(res.qboxes).all()
                assert (res.scores == 1.0).all()
                assert 0 <= res.num_skipped <= res.num_lines
                if not res.empty_answer:
                    assert n == res.num_lines - res.num_skipped
                if class_names is None:
                    assert (res.labels == -1).all()
                else:
                    assert ((res.labels >= 0) & (res.labels < len(CLASSES))).all()
                assert isinstance(res.failed, bool)
                num_boxes += n
    # the safety net in decode() must not have been needed
    assert not [w for w in caught if 'failed unexpectedly' in str(w.message)]
    # the mutated valid answers still give boxes
    assert num_boxes > 50


@pytest.mark.parametrize('codec', CODECS, ids=repr)
def test_decode_non_str_inputs(codec):
    for text in (None, b'1,2,3,4,5,6,7,8 ship', 12345, 1.5, ['a']):
        res = codec.decode(text, CLASSES)
        assert res.qboxes.shape[1] == 8 and len(res.labels) == len(res.names)
