"""tools/dataset_converters/: every converter on its tiny handmade sample
(tests/data/converters/<source>/), with hand-computed expected values.

DOTA sample (P0001.png 700 x 600, P0002.png 300 x 200), preset ss_512 (size 512, gap 200):
x starts 0, 312 -> the last moved back to 700 - 512 = 188; y starts 0, 312 -> 88; windows
(0, 0), (0, 88), (188, 0), (188, 88). P0002 is smaller than a window: its only window
covers 0.23 of it (< 0.6) and is kept as the best one, padded with (104, 116, 124).
P0001 objects (x range, y range): plane 10..60, 10..40; ship 300..340, 300..320
(difficulty 1); large-vehicle 490..530, 100..110 (IoF 22/40 = 0.55 with x <= 512);
small-vehicle 500..520, 550..560 (IoF 12/20 = 0.6 with x <= 512); tennis-court
482..522, 200..220 (IoF 30/40 = 0.75 -> kept, difficulty 2); storage-tank, a diamond
(506, 280) (526, 300) (506, 320) (486, 300) of area 800 whose part beyond x = 512 is a
triangle of area 14 * 14 = 196: IoF 604 / 800 = 0.755 -> kept, although the IoF of its
horizontal box would be 26 / 40 = 0.65.
"""
import importlib
import json
import os
import os.path as osp
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools', 'dataset_converters')
DATA = osp.join(REPO, 'tests', 'data', 'converters')
CONVERTERS = ('dota_split', 'dior_r', 'fair1m', 'refgeo', 'vrsbench', 'geochat_instruct',
              'rsgpt', 'ucm_captions', 'scene_cls', 'geochat_bench')
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)


def tool(name):
    return importlib.import_module(name)


def load(path):
    with open(path, encoding='utf-8') as f:
        if path.endswith('.jsonl'):
            return [json.loads(line) for line in f]
        return json.load(f)


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


@pytest.mark.parametrize('name', CONVERTERS)
def test_help(name, capsys):
    with pytest.raises(SystemExit) as e:
        tool(name).main(['--help'])
    assert e.value.code == 0
    assert 'usage:' in capsys.readouterr().out


def test_cli_reports_input_errors_without_traceback(tmp_path):
    src = osp.join(DATA, 'refgeo', 'metainfo.jsonl')
    proc = subprocess.run(
        [sys.executable, osp.join(TOOLS, 'refgeo.py'), src, '--out', str(tmp_path / 'o')],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f'error: {src}:3: no image_width / image_height; pass '
                                   '--img-root to read them from the images')
    assert 'Traceback' not in proc.stderr


# ---------------------------------------------------------------------------
# DOTA split
# ---------------------------------------------------------------------------
P0001_512 = {
    'P0001__512__0___0': [
        '10 10 60 10 60 40 10 40 plane 0',
        '300 300 340 300 340 320 300 320 ship 1',
        '482 200 522 200 522 220 482 220 tennis-court 2',
        '506 280 526 300 506 320 486 300 storage-tank 2'],
    'P0001__512__0___88': [
        '300 212 340 212 340 232 300 232 ship 1',
        '482 112 522 112 522 132 482 132 tennis-court 2',
        '506 192 526 212 506 232 486 212 storage-tank 2'],
    'P0001__512__188___0': [
        '112 300 152 300 152 320 112 320 ship 1',
        '302 100 342 100 342 110 302 110 large-vehicle 0',
        '294 200 334 200 334 220 294 220 tennis-court 0',
        '318 280 338 300 318 320 298 300 storage-tank 0'],
    'P0001__512__188___88': [
        '112 212 152 212 152 232 112 232 ship 1',
        '302 12 342 12 342 22 302 22 large-vehicle 0',
        '312 462 332 462 332 472 312 472 small-vehicle 0',
        '294 112 334 112 334 132 294 132 tennis-court 0',
        '318 192 338 212 318 232 298 212 storage-tank 0'],
    'P0002__512__0___0': ['10 10 30 10 30 30 10 30 plane 0'],
}


def run_split(out, *extra, ann=True):
    argv = ['--img-dirs', osp.join(DATA, 'dota', 'images'), '--out-dir', str(out), *extra]
    if ann:
        argv += ['--ann-dirs', osp.join(DATA, 'dota', 'labelTxt')]
    return tool('dota_split').main(argv)


def test_dota_split_ss512(tmp_path):
    summary = run_split(tmp_path, '--preset', 'ss_512')
    assert summary == dict(patches=5, objects=7, written=17, truncated=4, missing_ann=0,
                           images=2)
    names = sorted(P0001_512)
    assert sorted(os.listdir(tmp_path / 'images')) == [n + '.png' for n in names]
    assert sorted(os.listdir(tmp_path / 'annfiles')) == [n + '.txt' for n in names]
    for name, expected in P0001_512.items():
        assert lines(tmp_path / 'annfiles' / f'{name}.txt') == expected, name

    src = cv2.imread(osp.join(DATA, 'dota', 'images', 'P0001.png'))
    for x, y in ((0, 0), (0, 88), (188, 0), (188, 88)):
        patch = cv2.imread(str(tmp_path / 'images' / f'P0001__512__{x}___{y}.png'))
        np.testing.assert_array_equal(patch, src[y:y + 512, x:x + 512])
    small = cv2.imread(osp.join(DATA, 'dota', 'images', 'P0002.png'))
    padded = cv2.imread(str(tmp_path / 'images' / 'P0002__512__0___0.png'))
    assert padded.shape == (512, 512, 3)
    np.testing.assert_array_equal(padded[:200, :300], small)
    assert (padded[200:] == [104, 116, 124]).all() and (padded[:, 300:] == [104, 116, 124]).all()


def test_dota_split_test_images_in_parallel(tmp_path):
    summary = run_split(tmp_path, '--preset', 'ss_512', '--nproc', '2', ann=False)
    assert summary['patches'] == 5 and summary['objects'] == 0
    assert sorted(os.listdir(tmp_path)) == ['images']  # no annfiles/ without --ann-dirs
    assert sorted(os.listdir(tmp_path / 'images')) == sorted(n + '.png' for n in P0001_512)


def test_dota_split_ss1024_pads_and_refuses_a_used_folder(tmp_path):
    # one 1024 window per image (image rate 0.40 and 0.06 < 0.6: the best window is kept)
    summary = run_split(tmp_path, '--preset', 'ss_1024', '--no-padding')
    assert sorted(os.listdir(tmp_path / 'images')) == ['P0001__1024__0___0.png',
                                                       'P0002__1024__0___0.png']
    assert summary['written'] == 7 and summary['truncated'] == 0
    assert cv2.imread(str(tmp_path / 'images' / 'P0001__1024__0___0.png')).shape == \
        (600, 700, 3)  # --no-padding keeps the image size
    with pytest.raises(tool('_common').ConverterError, match='is not empty'):
        run_split(tmp_path, '--preset', 'ss_1024')


def test_sliding_windows_follow_mmrotate():
    windows = tool('dota_split').sliding_windows
    # width 2000, 1024 / gap 200 (step 824): starts 0, 824, 1648 -> 976; height 1000: 0
    np.testing.assert_array_equal(
        windows(2000, 1000, [1024], [200], 0.6),
        [[0, 0, 1024, 1024], [824, 0, 1848, 1024], [976, 0, 2000, 1024]])
    # two scales, and a window with too little image (0.5 <= 0.6) dropped
    np.testing.assert_array_equal(windows(512, 256, [512, 256], [0, 0], 0.6),
                                  [[0, 0, 256, 256], [256, 0, 512, 256]])


def test_window_iofs_match_shapely():
    shapely = pytest.importorskip('shapely.geometry')
    split = tool('dota_split')
    rng = np.random.default_rng(0)
    polys = []
    for _ in range(60):  # rotated rectangles
        cx, cy, w, h, a = *rng.uniform(0, 700, 2), *rng.uniform(5, 80, 2), rng.uniform(0, 3)
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2 @ rot.T + [cx, cy]
        polys.append(corners.reshape(-1))
    for _ in range(20):  # concave quadrilaterals
        base = np.array([0, 0, 40, 10, 10, 12, 0, 40], float) * rng.uniform(0.5, 2)
        polys.append(base + np.tile(rng.uniform(0, 700, 2), 4))
    polys = np.array(polys)
    windows = split.sliding_windows(700, 600, [512, 256], [200, 100], 0.6)
    iofs = split.window_iofs(polys, windows)
    for i, poly in enumerate(polys):
        shape = shapely.Polygon(poly.reshape(-1, 2))
        for j, box in enumerate(windows.tolist()):
            expected = shape.intersection(shapely.box(*box)).area / shape.area
            assert iofs[i, j] == pytest.approx(expected, abs=1e-9)
    assert ((iofs > 0) & (iofs < 1)).any()


def test_dota_split_names_a_malformed_line(tmp_path):
    ann = tmp_path / 'ann'
    ann.mkdir()
    (ann / 'P0002.txt').write_text('1 2 3 4 5 6 7 x plane 0\n')
    with pytest.raises(tool('_common').ConverterError, match=r'P0002.txt:1: malformed'):
        tool('dota_split').main(['--img-dirs', osp.join(DATA, 'dota', 'images'),
                                 '--ann-dirs', str(ann), '--out-dir', str(tmp_path / 'o')])


# ---------------------------------------------------------------------------
# DIOR-R, FAIR1M
# ---------------------------------------------------------------------------
def test_dior_r_to_coco(tmp_path):
    dior = tool('dior_r')
    out = str(tmp_path / 'trainval.json')
    stats = dior.main([osp.join(DATA, 'dior_r'), '--split', 'trainval', '--out', out])
    assert stats == dict(images=3, objects=3, difficult=1, empty=1, size_from_header=1)
    coco = load(out)
    assert coco['images'] == [  # trainval = train.txt + val.txt; 00003.xml has no <size>
        dict(id=1, file_name='00001.jpg', width=800, height=800),
        dict(id=2, file_name='00002.jpg', width=800, height=800),
        dict(id=3, file_name='00003.jpg', width=64, height=48)]
    assert coco['categories'] == [dict(id=k + 1, name=n) for k, n in enumerate(
        dior.DIOR_CLASSES)]
    assert coco['categories'][6] == dict(id=7, name='expressway-service-area')
    assert coco['annotations'] == [
        dict(id=1, image_id=1, category_id=1, bbox=[100, 180, 70, 50], area=2000,
             segmentation=[[100, 200, 160, 180, 170, 210, 110, 230]], iscrowd=0, ignore=0),
        dict(id=2, image_id=1, category_id=7, bbox=[400, 400, 100, 80], area=8000,
             segmentation=[[400, 400, 500, 400, 500, 480, 400, 480]], iscrowd=0, ignore=0),
        dict(id=3, image_id=3, category_id=19, bbox=[10.5, 20, 20, 8], area=160,
             segmentation=[[10.5, 20, 30.5, 20, 30.5, 28, 10.5, 28]], iscrowd=0, ignore=0)]

    dior.main([osp.join(DATA, 'dior_r'), '--split', 'test', '--out', out,
               '--difficult-as-ignore'])
    coco = load(out)
    assert [i['file_name'] for i in coco['images']] == ['11726.jpg']
    assert coco['annotations'][0]['category_id'] == 20  # windmill
    dior.main([osp.join(DATA, 'dior_r'), '--split', 'train', '--out', out,
               '--difficult-as-ignore'])
    assert [a['ignore'] for a in load(out)['annotations']] == [0, 1]


def test_fair1m_to_dota_and_coco(tmp_path):
    fair = tool('fair1m')
    xml_dir = osp.join(DATA, 'fair1m', 'labelXml')
    stats = fair.main([xml_dir, '--format', 'dota', '--out', str(tmp_path / 'labelTxt')])
    assert stats['images'] == 2 and stats['objects'] == 5
    assert lines(tmp_path / 'labelTxt' / '0.txt') == [
        '10.5 20.25 30 20.25 30 28 10.5 28 Small-Car 0',
        '100 100 200 110 190 210 90 200 Boeing737 0',
        '500 500 540 500 540 520 500 520 other-ship 0']
    assert lines(tmp_path / 'labelTxt' / '1.txt') == [  # 'tennis court' matched
        '600.12 100 700 100 700 130 600.12 130 Liquid-Cargo-Ship 0',
        '1 1 21 1 21 11 1 11 Tennis-Court 0']

    fair.main([xml_dir, '--format', 'coco', '--out', str(tmp_path / 'train.json')])
    coco = load(str(tmp_path / 'train.json'))
    assert coco['images'] == [dict(id=1, file_name='0.tif', width=1000, height=1000),
                              dict(id=2, file_name='1.tif', width=800, height=600)]
    names = {c['id']: c['name'] for c in coco['categories']}
    assert len(names) == 37 and names[21] == 'Small Car'
    assert [(names[a['category_id']], a['image_id']) for a in coco['annotations']] == [
        ('Small Car', 1), ('Boeing737', 1), ('other-ship', 1), ('Liquid Cargo Ship', 2),
        ('Tennis Court', 2)]
    assert coco['annotations'][3]['bbox'] == [600.12, 100, 99.88, 30]
    assert coco['annotations'][0]['segmentation'] == [[10.5, 20.25, 30, 20.25, 30, 28,
                                                       10.5, 28]]


def test_fair1m_unknown_class(tmp_path):
    xml = (tmp_path / 'x' / '5.xml')
    xml.parent.mkdir()
    xml.write_text('<annotation><objects><object><possibleresult><name>UFO</name>'
                   '</possibleresult><points><point>0,0</point><point>1,0</point>'
                   '<point>1,1</point><point>0,1</point><point>0,0</point></points>'
                   '</object></objects></annotation>')
    fair = tool('fair1m')
    with pytest.raises(tool('_common').ConverterError, match=r"5.xml: unknown class 'UFO'"):
        fair.main([str(xml.parent), '--out', str(tmp_path / 'a')])
    stats = fair.main([str(xml.parent), '--out', str(tmp_path / 'b'), '--skip-unknown'])
    assert stats['unknown'] == 1 and lines(tmp_path / 'b' / '5.txt') == []


# ---------------------------------------------------------------------------
# grounding: refGeo, VRSBench referring
# ---------------------------------------------------------------------------
def test_refgeo(tmp_path):
    out = str(tmp_path / 'refgeo.jsonl')
    stats = tool('refgeo').main([osp.join(DATA, 'refgeo', 'metainfo.jsonl'), '--out', out,
                                 '--img-root', osp.join(DATA, 'refgeo', 'images')])
    assert stats == dict(read=7, written=4, per_dataset=dict(dior_rsvg=2, rsvg=2), dropped={
        'image missing': 1, 'size mismatch': 1, 'degenerate bbox': 1})
    assert load(out) == [
        dict(image_id='00001.jpg', dataset='dior_rsvg', question='the bridge on the left',
             question_id=7, bbox=[4, 8, 20, 30], poly=[[4, 8], [20, 9], [19, 30], [5, 29]],
             image_width=64, image_height=64, mask_exists=True),
        dict(image_id='00001.jpg', dataset='dior_rsvg', question='a vehicle', question_id=8,
             bbox=[30.5, 40, 40, 50.25],  # poly filled from the bbox corners
             poly=[[30.5, 40], [40, 40], [40, 50.25], [30.5, 50.25]],
             image_width=64, image_height=64),
        dict(image_id='a.jpg', dataset='rsvg', question='the storage tank', question_id=1,
             bbox=[1, 2, 11, 12], poly=[[1, 2], [11, 2], [11, 12], [1, 12]],
             image_width=64, image_height=48),  # sizes read from the image header
        dict(image_id='a.jpg', dataset='rsvg', question='flat poly', question_id=5,
             bbox=[1, 2, 11, 12], poly=[[1, 2], [11, 2], [11, 12], [1, 12]],
             image_width=64, image_height=48)]

    stats = tool('refgeo').main([osp.join(DATA, 'refgeo', 'metainfo.jsonl'), '--out', out,
                                 '--img-root', osp.join(DATA, 'refgeo', 'images'),
                                 '--datasets', 'dior_rsvg'])
    assert stats['written'] == 2 and stats['dropped'] == {'other dataset': 5}


def test_vrsbench_referring_grid_to_pixels(tmp_path):
    out = str(tmp_path / 'ref.jsonl')
    stats = tool('vrsbench').main([
        'referring', osp.join(DATA, 'vrsbench', 'VRSBench_EVAL_referring.json'), '--out', out,
        '--img-dir', osp.join(DATA, 'vrsbench', 'Images_val')])
    assert stats == {'read': 4, 'image missing': 1, 'clamped': 1, 'degenerate': 0,
                     'written': 3}
    recs = load(out)
    # P0003_0002.png is 64 x 64: {<10><20><50><100>} -> 6.4, 12.8, 32, 64; the leading
    # 'the ' of the expression dropped as upstream (prompt 'find the white car at the top')
    assert recs[0] == dict(
        image_id='P0003_0002.png', dataset='vrsbench', question='white car at the top',
        question_id=0, bbox=[6.4, 12.8, 32, 64],
        poly=[[6.4, 12.8], [32, 12.8], [32, 64], [6.4, 64]], image_width=64, image_height=64,
        type='ref', unique=True, obj_cls='vehicle', obj_ids=[0], size_group='small')
    # 00017_0001.png is 80 x 40: {<25><40><75><60>} -> 20, 16, 60, 24 (x * 0.8, y * 0.4)
    assert recs[1]['bbox'] == [20, 16, 60, 24] and recs[1]['image_width'] == 80
    assert recs[1]['poly'] == [[20, 16], [60, 16], [60, 24], [20, 24]]
    # {<90><0><104><10>}: 104 clamped to 100 -> 72, 0, 80, 4; obj_corner kept as given
    assert recs[2]['bbox'] == [72, 0, 80, 4]
    assert recs[2]['poly'] == [[72, 0], [83.2, 0], [83.2, 4], [72, 4]]
    assert [r['question'] for r in recs] == ['white car at the top', 'bridge', 'long bridge']

    tool('vrsbench').main([
        'referring', osp.join(DATA, 'vrsbench', 'VRSBench_EVAL_referring.json'), '--out', out,
        '--img-dir', osp.join(DATA, 'vrsbench', 'Images_val'), '--dataset', '', '--no-poly'])
    assert all('poly' not in r and r['dataset'] == '' for r in load(out))


# ---------------------------------------------------------------------------
# captions and VQA: VRSBench, RSGPT, UCM-captions
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('question,expression', [
    ('The white car at the top.', 'white car at the top'),  # upstream's normal_caption
    ('the bridge', 'bridge'), ('THE ship at the dock..', 'ship at the dock'),
    ('<image>\n the car.', 'car'),
    # no leading 'the ': kept as it is, the trailing '.' too (upstream rstrips only
    # after dropping 'the ')
    ('A small car.', 'A small car.'), ('Theater roof', 'Theater roof')])
def test_vrsbench_referring_expression(question, expression):
    assert tool('vrsbench').referring_expression(question) == expression


def test_vrsbench_caption_and_vqa(tmp_path):
    vrs = tool('vrsbench')
    out = str(tmp_path / 'cap.json')
    vrs.main(['caption', osp.join(DATA, 'vrsbench', 'VRSBench_EVAL_Cap.json'), '--out', out])
    assert load(out) == [
        dict(image='P0003_0002.png', captions=['The image shows a parking lot.'],
             image_id='P0003_0002'),
        dict(image='00017_0001.png', captions=['A bridge crosses a river.'],
             image_id='00017_0001')]
    out = str(tmp_path / 'vqa.json')
    vrs.main(['vqa', osp.join(DATA, 'vrsbench', 'VRSBench_EVAL_vqa.json'), '--out', out])
    assert load(out) == [
        dict(image='P0003_0002.png', question='How many cars are there?', answer='3',
             type='object quantity', question_id=0),
        dict(image='P0003_0002.png', question='Is there a ship?', answer='No',
             type='object existence', question_id=1),
        dict(image='00017_0001.png', question='What color is the bridge?', answer='gray',
             type='object color', question_id=2)]


def test_rsgpt(tmp_path):
    rsgpt = tool('rsgpt')
    out = str(tmp_path / 'rsicap.json')
    rsgpt.main(['rsicap', osp.join(DATA, 'rsgpt', 'RSICap', 'captions.json'), '--out', out])
    assert load(out) == [
        dict(image='P0378_0001.png',
             captions=['This is a high-resolution aerial image showing a harbor.'],
             image_id='0'),
        dict(image='P0379_0002.png', captions=['Two tennis courts next to a road.'],
             image_id='1')]
    cap, vqa = str(tmp_path / 'cap.json'), str(tmp_path / 'vqa.json')
    stats = rsgpt.main(['rsieval', osp.join(DATA, 'rsgpt', 'RSIEval', 'annotations.json'),
                        '--caption-out', cap, '--vqa-out', vqa])
    assert stats['questions'] == 4 and stats['empty questions skipped'] == 1
    assert stats['duplicates kept'] == 1
    assert load(cap) == [
        dict(image='P1384_0054.png', captions=['A harbor with several boats.'],
             image_id='P1384_0054'),
        dict(image='P2000_0001.png', captions=['An airport.'], image_id='P2000_0001')]
    assert load(vqa) == [
        dict(image='P1384_0054.png', question='How many boats are there?',
             answer='There are seven boats.', type='quantity', question_id='P1384_0054.png_0'),
        dict(image='P1384_0054.png', question='Is the image panchromatic?', answer='No.',
             type='image', question_id='P1384_0054.png_2'),  # ids skip the empty question
        dict(image='P1384_0054.png', question='How many boats are there?',
             answer='There are seven boats.', type='quantity', question_id='P1384_0054.png_3'),
        dict(image='P2000_0001.png', question='Is there a plane?', answer='Yes',
             type='presence', question_id='P2000_0001.png_0')]


def test_ucm_captions(tmp_path):
    ucm = tool('ucm_captions')
    src = osp.join(DATA, 'ucm_captions', 'dataset.json')
    out = str(tmp_path / 'test.json')
    stats = ucm.main([src, '--split', 'test', '--out', out])
    assert stats == dict(images=2, captions=4, splits=dict(train=1, test=2, val=1))
    assert load(out) == [
        dict(image='2.tif', captions=['Lots of planes are parked at the airport .',
                                      'Many planes .',
                                      'Lots of planes are parked at the airport .'],
             image_id='2'),
        dict(image='3.tif', captions=['a beach with waves'], image_id='3')]  # from tokens
    ucm.main([src, '--split', 'train', '--out', out])
    assert load(out) == [dict(image='1.tif', captions=[
        'There is a piece of farmland .', 'It is a piece of cropland .'], image_id='1')]


# ---------------------------------------------------------------------------
# conversations: GeoChat, VRSBench train
# ---------------------------------------------------------------------------
def test_geochat_instruct(tmp_path):
    out = str(tmp_path / 'geochat.json')
    stats = tool('geochat_instruct').main([
        osp.join(DATA, 'geochat', 'GeoChat_Instruct.json'), '--out', out])
    assert (stats['boxes'], stats['rotated'], stats['clamped']) == (6, 1, 1)
    recs = load(out)
    assert [r.get('task') for r in recs] == ['grounding', 'grounding', 'caption', 'cls', 'vqa',
                                             'conversation', 'caption', None]
    answers = [r['conversations'][1]['value'] for r in recs]
    assert answers[0] == '<p>the plane at the top</p> [10, 20, 30, 40]'
    # adjacent boxes joined; 20 x 10 box rotated by 90 degrees -> its 10 x 20 enclosing
    # box; 110 clamped to 100
    assert answers[1] == ('There are <p>2 ships</p> [1, 2, 3, 4], [5, 6, 7, 8] near '
                          '<p>a harbor</p> [45, 40, 55, 60] and <p>a car</p> '
                          '[98, 95, 100, 99].')
    assert recs[2]['conversations'][0]['value'] == '<image>\n[identify] [20, 20, 40, 30]'
    assert recs[5]['conversations'] == load(osp.join(
        DATA, 'geochat', 'GeoChat_Instruct.json'))[5]['conversations']  # unchanged
    assert {k: recs[0][k] for k in ('id', 'image')} == dict(id='P0001_0001',
                                                            image='P0001_0001.png')

    tool('geochat_instruct').main([osp.join(DATA, 'geochat', 'GeoChat_Instruct.json'),
                                   '--out', out, '--strip-task-tags'])
    recs = load(out)
    assert recs[0]['conversations'][0]['value'] == \
        '<image>\ngive me the location of <p>the plane at the top</p>'
    assert recs[0]['task'] == 'grounding'


def test_vrsbench_train_conversations(tmp_path):
    out = str(tmp_path / 'train.json')
    stats = tool('vrsbench').main([
        'train', osp.join(DATA, 'vrsbench', 'VRSBench_train.json'), '--out', out])
    assert stats['tasks'] == dict(caption=1, vqa=1, grounding=1) and stats['boxes'] == 1
    recs = load(out)
    assert [r['task'] for r in recs] == ['caption', 'vqa', 'grounding']
    assert recs[2]['conversations'][1] == {'from': 'gpt', 'value': '[12, 30, 25, 41]'}
    assert recs[0]['conversations'][1]['value'] == 'A harbor with two ships.'


def test_grid_box_helpers():
    common = tool('_common')
    stats = {}
    assert common.rewrite_grid_boxes('{<1><2><3><4>}<delim>{<5><6><7><8>}', stats) == \
        '[1, 2, 3, 4], [5, 6, 7, 8]'
    assert common.rewrite_grid_boxes('see [refer] {< 10 ><20><30><40>|-45}', stats) == \
        'see [refer] [6, 16, 34, 44]'  # 20 x 20 square at 45 deg: half-diagonal 14.14
    assert stats == dict(boxes=3, rotated=1, clamped=0)
    assert common.grid_to_pixels([25, 50, 75, 100], 640, 480) == [160, 240, 480, 480]
    assert common.parse_grid_box('{<1><2><3><4>|<5>}') == ([1.0, 2.0, 3.0, 4.0], 5.0)


# ---------------------------------------------------------------------------
# scene classification
# ---------------------------------------------------------------------------
def test_scene_cls_split(tmp_path):
    scene = tool('scene_cls')
    root = osp.join(DATA, 'scene_cls', 'AID')
    stats = scene.main([root, '--out-dir', str(tmp_path / 'a'), '--train-ratio', '0.5',
                        '--seed', '0'])
    # the raw folder names, as upstream RSCoVLM's cls_aid prompts with them
    classes = ['Airport', 'BareLand', 'BaseballField']
    # per class round(n / 2), halves up: airport 4 -> 2, bare land 3 -> 2, baseball 2 -> 1
    assert stats['per_class'] == {'Airport': (2, 2), 'BareLand': (2, 1),
                                  'BaseballField': (1, 1)}
    train, test = load(str(tmp_path / 'a' / 'train.json')), load(str(tmp_path / 'a' /
                                                                     'test.json'))
    assert train['classes'] == test['classes'] == classes
    assert train['images'] == [
        dict(image='Airport/airport_1.jpg', label='Airport'),
        dict(image='Airport/airport_3.jpg', label='Airport'),
        dict(image='BareLand/bareland_1.jpg', label='BareLand'),
        dict(image='BareLand/bareland_3.jpg', label='BareLand'),
        dict(image='BaseballField/baseballfield_1.jpg', label='BaseballField')]
    assert [i['image'] for i in test['images']] == [
        'Airport/airport_2.jpg', 'Airport/airport_4.jpg', 'BareLand/bareland_2.jpg',
        'BaseballField/baseballfield_2.jpg']
    all_images = {i['image'] for i in train['images'] + test['images']}
    assert len(all_images) == 9 and all(osp.isfile(osp.join(root, p)) for p in all_images)

    scene.main([root, '--out-dir', str(tmp_path / 'b'), '--train-ratio', '0.5', '--seed', '0'])
    assert load(str(tmp_path / 'b' / 'train.json')) == train  # seeded: reproducible
    stats = scene.main([root, '--out-dir', str(tmp_path / 'c'), '--train-ratio', '1'])
    assert os.listdir(tmp_path / 'c') == ['train.json'] and stats['test'] == 0

    # --readable-names: the same split, classes and labels renamed
    stats = scene.main([root, '--out-dir', str(tmp_path / 'd'), '--train-ratio', '0.5',
                        '--seed', '0', '--readable-names'])
    assert stats['per_class'] == {'airport': (2, 2), 'bare land': (2, 1),
                                  'baseball field': (1, 1)}
    readable = load(str(tmp_path / 'd' / 'train.json'))
    assert readable['classes'] == ['airport', 'bare land', 'baseball field']
    assert readable['images'] == [
        dict(image='Airport/airport_1.jpg', label='airport'),
        dict(image='Airport/airport_3.jpg', label='airport'),
        dict(image='BareLand/bareland_1.jpg', label='bare land'),
        dict(image='BareLand/bareland_3.jpg', label='bare land'),
        dict(image='BaseballField/baseballfield_1.jpg', label='baseball field')]


def test_scene_cls_readable_name_clash(tmp_path):
    for folder in ('BareLand', 'bare_land'):
        os.makedirs(tmp_path / folder)
        cv2.imwrite(str(tmp_path / folder / 'a.jpg'), np.zeros((8, 8, 3), np.uint8))
    stats = tool('scene_cls').main([str(tmp_path), '--out-dir', str(tmp_path / 'o'),
                                    '--train-ratio', '0'])
    assert stats['classes'] == ['BareLand', 'bare_land']  # raw names never clash
    with pytest.raises(tool('_common').ConverterError, match='both give the class name'):
        tool('scene_cls').main([str(tmp_path), '--out-dir', str(tmp_path / 'o'),
                                '--train-ratio', '0', '--readable-names'])


@pytest.mark.parametrize('folder,name', [
    ('BareLand', 'bare land'), ('basketball_court', 'basketball court'),
    ('denseresidential', 'denseresidential'), ('Storage-Tanks', 'storage tanks'),
    ('airport', 'airport')])
def test_scene_class_names(folder, name):
    assert tool('scene_cls').normalize_scene_class(folder) == name


@pytest.mark.parametrize('questions,task', [
    (['<image>\nClassify the image.'], 'cls'),
    (['<image>\n[vqa] How many ships?'], 'vqa'),
    (['[refer] <p>the ship</p>'], 'grounding'),
    (['<image>\nProvide a caption for the image.'], 'caption'),
    (['<image>\nWhat is this?', 'And that?'], 'conversation'),
    (['<image>\nWhat is this?'], None)])
def test_guess_task(questions, task):
    turns = [t for q in questions for t in ({'from': 'human', 'value': q},
                                            {'from': 'gpt', 'value': 'x'})]
    assert tool('_common').guess_task(turns) == task


# ---------------------------------------------------------------------------
# GeoChat-Bench (records shaped as GeoChat's own jsonl files)
# ---------------------------------------------------------------------------
def write_jsonl(path, records):
    with open(path, 'w', encoding='utf-8') as f:
        f.writelines(json.dumps(r) + '\n' for r in records)
    return str(path)


GEOCHAT_CLS_TEXT = ('Classify the image from the following classes.\n'
                    'Classes: Airport, Bare Land, Medium Residential\n'
                    'Answer in one word or a short phrase.')


def test_geochat_bench_aid(tmp_path):
    src = write_jsonl(tmp_path / 'aid.jsonl', [
        dict(question_id='Airport/airport_1.png', image='Airport/airport_1.png',
             text=GEOCHAT_CLS_TEXT, ground_truth='Airport'),
        dict(question_id='BareLand/bareland_2.png', image='BareLand/bareland_2.png',
             text=GEOCHAT_CLS_TEXT, ground_truth='BareLand'),
        dict(question_id='MediumResidential/x.png', image='MediumResidential/x.png',
             text=GEOCHAT_CLS_TEXT, ground_truth='MediumResidentialgt')])
    out = str(tmp_path / 'aid_cls.json')
    stats = tool('geochat_bench').main(['aid', src, '--out', out])
    classes = ['airport', ' bare land', ' medium residential']
    assert load(out) == dict(classes=classes, images=[
        dict(image='Airport/airport_1.jpg', label='airport'),
        # upstream scores GeoChat's ground truth lower-cased ('bareland'), kept as answer
        dict(image='BareLand/bareland_2.jpg', label=' bare land', answer='bareland'),
        dict(image='MediumResidential/x.jpg', label=' medium residential')])
    assert stats == dict(read=3, written=3, classes=3, ground_truth_fixed=1,
                         label_matched_without_spaces=1)
    # ucmerced keeps the image names as they are
    tool('geochat_bench').main(['ucmerced', src, '--out', out])
    assert [r['image'] for r in load(out)['images']] == [
        'Airport/airport_1.png', 'BareLand/bareland_2.png', 'MediumResidential/x.png']


def test_geochat_bench_vqa(tmp_path):
    suffix = '\nAnswer the question using a single word or phrase.'
    src = write_jsonl(tmp_path / 'lrben.jsonl', [
        dict(question_id=12, image='1.tif', category='rural_urban',
             text='Is it a rural or an urban area' + suffix),
        dict(question_id=10, image='1.tif', category='presence',
             text=' Is there a Road?' + suffix)])
    answers = tmp_path / 'answers.json'
    answers.write_text(json.dumps(dict(answers=[
        dict(id=0, question_id=10, answer='Yes', active=True),
        dict(id=1, question_id=12, answer='Rural', active=True),
        dict(id=2, question_id=12, answer='urban', active=False)])))
    out = str(tmp_path / 'lrben_vqa.json')
    stats = tool('geochat_bench').main(['lrben', src, '--answers', str(answers), '--out', out])
    assert load(out) == [
        dict(image='1.tif', question='is it a rural or an urban area', answer='rural',
             type='rural_urban', question_id=12),
        dict(image='1.tif', question='is there a road?', answer='yes', type='presence',
             question_id=10)]
    assert stats == dict(read=2, written=2, types={'rural_urban': 1, 'presence': 1})


def test_geochat_bench_referring(tmp_path):
    src = write_jsonl(tmp_path / 'referring.jsonl', [
        dict(question_id='fast_6217', image_id='train_5007_0017',
             ground_truth=[[[20.0, 20.5], [70, 25], [65, 60], [15, 55]],
                           [[100, 60], [150, 60], [150, 110], [100, 110]]],
             question='2 ships  at the right', type='ref', dataset='FAST', obj_ids=[1, 2],
             size_group='small'),
        dict(question_id='sior_459', image_id='02469',
             ground_truth=[[[346, -1], [400, 3], [395, 30], [389, -24]]],
             question='1 large white building', type='grounding', dataset='SIOR',
             obj_ids=[4], size_group='large')])
    out = str(tmp_path / 'referring_grounding.jsonl')
    stats = tool('geochat_bench').main(['referring', src, '--out', out])
    assert load(out) == [
        dict(image_id='train_5007_0017.png', question='2 ships  at the right',
             question_id='fast_6217',
             polys=[[[20, 20.5], [70, 25], [65, 60], [15, 55]],
                    [[100, 60], [150, 60], [150, 110], [100, 110]]],
             type='ref', size_group='small', obj_ids=[1, 2]),
        dict(image_id='02469.png', question='1 large white building', question_id='sior_459',
             polys=[[[346, -1], [400, 3], [395, 30], [389, -24]]], type='grounding',
             size_group='large', obj_ids=[4])]
    assert stats == dict(read=2, written=2, objects=3, single=1, multiple=1)


def test_geochat_bench_region_captioning(tmp_path):
    src = write_jsonl(tmp_path / 'region_captioning.jsonl', [
        dict(question_id=0, image_id='P0001_0003', question='{<22><35><41><60>|<0>}',
             ground_truth='a small white plane ', type='ref', dataset='SAMRS',
             obj_ids=[3], size_group='small'),
        dict(question_id=1, image_id='0000123.png', question='{<50><50><70><90>|<45>}',
             ground_truth='a ship near the dock', type='ref', dataset='SAMRS',
             obj_ids=[5], size_group='small')])
    out = str(tmp_path / 'region_captioning.json')
    stats = tool('geochat_bench').main(['region-captioning', src, '--out', out])
    assert load(out) == [
        dict(image='P0001_0003.png', question='{<22><35><41><60>|<0>}', question_id=0,
             captions=['a small white plane']),
        dict(image='0000123.png', question='{<50><50><70><90>|<45>}', question_id=1,
             captions=['a ship near the dock'])]
    assert stats == dict(read=2, written=2, images=2)


def _geochat_bench_inputs(kind, tmp_path):
    """Three records of GeoChat-Bench's ``kind`` file, and the extra arguments."""
    if kind == 'aid':
        return [dict(image=f'Airport/{k}.png', text=GEOCHAT_CLS_TEXT, ground_truth='Airport')
                for k in range(3)], []
    if kind == 'lrben':
        answers = tmp_path / 'answers.json'
        answers.write_text(json.dumps(dict(answers=[
            dict(question_id=k, answer='yes') for k in range(3)])))
        return [dict(question_id=k, image='1.tif', category='presence', text='Is there?')
                for k in range(3)], ['--answers', str(answers)]
    if kind == 'referring':
        return [dict(question_id=k, image_id=str(k), question='a ship', type='ref',
                     obj_ids=[1], size_group='small',
                     ground_truth=[[[0, 0], [10, 0], [10, 10], [0, 10]]])
                for k in range(3)], []
    return [dict(question_id=k, image_id=str(k), question='{<1><2><3><4>|<0>}',
                 ground_truth='a ship') for k in range(3)], []


@pytest.mark.parametrize('kind', ['aid', 'lrben', 'referring', 'region-captioning'])
def test_geochat_bench_progress_bar(tmp_path, kind, capsys):
    """The loop over the records draws mmengine's progress bar, with its ETA, up to the
    number of records."""
    records, extra = _geochat_bench_inputs(kind, tmp_path)
    src = write_jsonl(tmp_path / 'in.jsonl', records)
    stats = tool('geochat_bench').main([kind, src, '--out', str(tmp_path / 'out.json'),
                                        *extra])
    assert stats['written'] == 3
    # '[   ] 0/3, elapsed: 0s, ETA:', then '\r[>>>  ] k/3, ... task/s, elapsed: 0s, ETA: 0s'
    bar = capsys.readouterr().out.split('\n')[0].split('\r')
    assert re.fullmatch(r'\[ +\] 0/3, elapsed: 0s, ETA:', bar[0]), bar
    assert [re.fullmatch(r'\[[> ]+\] (\d/3), [\d.]+ task/s, elapsed: \d+s, ETA: +\d+s',
                         b).group(1) for b in bar[1:]] == ['1/3', '2/3', '3/3'], bar
    assert re.match(r'\[>+\] 3/3', bar[-1]), bar  # a full bar at the end


@pytest.mark.parametrize('kind, record, message', [
    ('referring', dict(question_id=1, image_id='a', question='x', type='ref', obj_ids=[1],
                       size_group='small', ground_truth=[[10, 10, 20, 10, 20, 20, 10, 20]]),
     'line 2 field "ground_truth": polygon 0 is [10, 10, 20, 10, 20, 20, 10, 20]; expected '
     'a non-empty list of 4-point polygons'),
    ('region-captioning', dict(question_id=1, image_id='a', question='[10, 20, 30, 40]',
                               ground_truth='x'),
     'line 2 field "question": expected one region "{<x1><y1><x2><y2>|<angle>}"'),
    ('aid', dict(image='a.png', text=GEOCHAT_CLS_TEXT, ground_truth='Forest'),
     'line 2 field "ground_truth": \'Forest\' is none of the classes'),
    ('aid', dict(image='a.png', text='Which class?', ground_truth='Airport'),
     'line 2 field "text": expected "Classes: <c1>, <c2>, ..."'),
])
def test_geochat_bench_errors(tmp_path, kind, record, message):
    conv = tool('geochat_bench')
    src = tmp_path / 'in.jsonl'
    src.write_text('\n' + json.dumps(record) + '\n')  # blank line 1: line numbers kept
    with pytest.raises(conv.ConverterError) as e:
        conv.main([kind, str(src), '--out', str(tmp_path / 'out.json')])
    assert str(e.value).startswith(str(src) + ':' + message.replace('line ', '', 1)), str(e.value)
    assert not (tmp_path / 'out.json').exists()


def test_geochat_bench_vqa_answer_missing(tmp_path):
    src = write_jsonl(tmp_path / 'hrben.jsonl', [
        dict(question_id=5, image='1.tif', category='comp', text='Is it?\nAnswer.')])
    answers = tmp_path / 'answers.json'
    answers.write_text(json.dumps(dict(answers=[dict(question_id=4, answer='yes')])))
    proc = subprocess.run(
        [sys.executable, osp.join(TOOLS, 'geochat_bench.py'), 'hrben', str(src), '--answers',
         str(answers), '--out', str(tmp_path / 'o.json')],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f'error: {src}:1 field "question_id": 5 has no (active) '
                                   f'answer in {answers}')
