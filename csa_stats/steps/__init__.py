"""The steps of the pipelines, one module per pipeline: collection, release, national, records.

The DAGs and the command line call these. Each step is a few lines calling down into the
stages (transforms, warehouse, publish) and returns a typed result of JSON-able values (paths
and ids, never DataFrames) that Airflow can pass between tasks.
"""
