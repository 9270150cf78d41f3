import os.path as osp
import re

from setuptools import find_packages, setup


def readme():
    with open('README.md', encoding='utf-8') as f:
        return f.read()


def version():
    with open(osp.join('rscovlm', 'version.py'), encoding='utf-8') as f:
        return re.search(r"__version__ = '(.+)'", f.read()).group(1)


def requirements(path):
    with open(path, encoding='utf-8') as f:
        return [
            line.strip() for line in f
            if line.strip() and not line.startswith(('#', '-r'))
        ]


setup(
    name='rscovlm',
    version=version(),
    description='Co-training and evaluating vision-language models on remote-sensing imagery',
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'projects')),
    include_package_data=True,
    python_requires='>=3.9',
    install_requires=requirements('requirements/runtime.txt'),
    extras_require=dict(
        tests=requirements('requirements/tests.txt'),
        mim=requirements('requirements/mminstall.txt'),
    ),
    license='Apache License 2.0',
    zip_safe=False,
)
