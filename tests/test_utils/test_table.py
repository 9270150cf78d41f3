from rscovlm.utils import format_metrics_table, format_summary_table, markdown_table


def test_markdown_table():
    assert markdown_table(('a', 'b'), [(1, 0.5), ('x', 2 / 3)]) == (
        '| a | b |\n|---|---|\n| 1 | 0.5000 |\n| x | 0.6667 |')


def test_metrics_and_summary_tables():
    assert format_metrics_table({'dota/mAP': 0.25}, title='cfg.py') == (
        '| cfg.py | value |\n|---|---|\n| dota/mAP | 0.2500 |')
    table = format_summary_table({'dota': {'dota/mAP': 0.25, 'dota/AP50': 0.5}, 'files': {}})
    headline, every = table.split('## All metrics')
    assert headline.startswith('## Headline metrics')
    assert '| dota | dota/mAP | 0.2500 |' in headline and 'AP50' not in headline
    assert '| files | (none: files only) |  |' in headline
    assert '|  | dota/AP50 | 0.5000 |' in every
