"""The C360 pipeline's root folder: ``spark-pipeline.yml``, ``transformations/`` and the modules its
files import (``c360_rules``, ``c360_transforms``).

Everything here is plain PySpark, with ``from pyspark import pipelines as dp`` in the
pipeline files and no ``lakehouse`` import, so the folder runs unchanged in a Databricks
pipeline whose ``root_path`` is this folder (databricks.yml). The package modules of
:mod:`lakehouse.c360` import the same modules, so each rule and transformation is written once.
"""
