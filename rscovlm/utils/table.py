"""Metric tables in markdown: what the tools print and write beside their results."""

#: the number each task's papers quote first (metric key without its prefix)
HEADLINE_METRICS = ('mAP', 'mF1', 'Acc@0.5', 'CIDEr', 'accuracy')


def format_value(value) -> str:
    """Floats with 4 decimals, anything else as ``str``."""
    return f'{value:.4f}' if isinstance(value, float) else str(value)


def markdown_table(header, rows) -> str:
    """A markdown table of ``header`` (column names) and ``rows`` (sequences of cells,
    each shown with :func:`format_value`)."""
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(format_value(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def _metric_rows(results: dict, keep=None) -> list:
    rows = []
    for name, metrics in results.items():
        items = [(k, v) for k, v in (metrics or {}).items()
                 if keep is None or k.rsplit('/', 1)[-1] in keep]
        if not items:
            rows.append((name, f'(none: {"files only" if not metrics else "see below"})', ''))
        for i, (key, value) in enumerate(items):
            rows.append((name if i == 0 else '', key, value))
    return rows


def format_summary_table(results: dict) -> str:
    """Markdown summary of several benchmarks (``{benchmark: {metric: value}}``): the
    headline metric of each task first, then every metric."""
    header = ('benchmark', 'metric', 'value')
    return '\n'.join([
        '## Headline metrics', '', markdown_table(header, _metric_rows(results, HEADLINE_METRICS)),
        '', '## All metrics', '', markdown_table(header, _metric_rows(results))])


def format_metrics_table(metrics: dict, title: str = 'results') -> str:
    """A markdown table of metric name and value (floats with 4 decimals)."""
    return markdown_table((title, 'value'), metrics.items())
