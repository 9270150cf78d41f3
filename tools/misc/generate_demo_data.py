"""Generate the synthetic demo dataset (see rscovlm/datasets/demo/generator.py): DOTA-format
detection data plus captions, VQA, scene labels, grounding and conversations per split.

    python tools/misc/generate_demo_data.py data/demo [--num-train 16000] [--num-test 200]
        [--img-size 112] [--seed 0] [--only test] [--force]

``--only test`` writes the test split alone, as a full run writes it (same image ids and
files), in a second or so instead of the train split's half a minute.

Idempotent: when OUT_DIR already holds a complete dataset generated with the same
parameters (recorded in OUT_DIR/generation.json), it says so and exits.
"""
import argparse
import time

from rscovlm.datasets.demo import generator


def parse_args():
    parser = argparse.ArgumentParser(description='Generate the synthetic demo dataset '
                                     '(DOTA format, split-patch layout, with caption, '
                                     'VQA, classification, grounding and conversation '
                                     'annotations).')
    parser.add_argument('out_dir', help='output directory, e.g. data/demo')
    parser.add_argument('--num-train', type=int, default=16000,
                        help='train images (enough that the demo model does not memorise them)')
    parser.add_argument('--num-test', type=int, default=200, help='test images')
    parser.add_argument('--img-size', type=int, default=112, help='image side, pixels')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--only', nargs='+', choices=['train', 'test'], default=None,
                        help='write only these splits, identical to those of a full run')
    parser.add_argument('--force', action='store_true',
                        help='regenerate even if a matching dataset exists')
    return parser.parse_args()


def main():
    args = parse_args()
    params = dict(num_train=args.num_train, num_test=args.num_test,
                  img_size=args.img_size, seed=args.seed)
    if args.only:
        params['only'] = args.only
    if not args.force and generator.dataset_is_complete(args.out_dir, **params):
        print(f'{args.out_dir} already holds the demo dataset generated with '
              f'{params}; nothing to do (use --force to regenerate).')
        print(generator.format_summary(generator.read_generation_record(args.out_dir)))
        return
    start = time.time()
    summary = generator.generate_demo_dataset(args.out_dir, **params)
    print(f'Generated the demo dataset in {args.out_dir} with {params} '
          f'in {time.time() - start:.1f} s:')
    print(generator.format_summary(summary))


if __name__ == '__main__':
    main()
