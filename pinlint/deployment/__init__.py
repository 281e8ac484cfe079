"""The deployment a project runs in: which poolers, which versions and settings, and the evidence.

`infer_deployment` reads it from the project's own files (`infer`), with one reader per kind of
evidence: PgBouncer ini files (`pgbouncer_ini`), container images and CloudFormation
(`manifests`), Terraform (`terraform`) and pooler endpoints in connection strings (`hosts`).
"""

from pinlint.deployment.infer import infer_deployment, project_root, sightings_in
from pinlint.deployment.model import Deployment, Knob, Sighting, Sign

__all__ = ["Deployment", "Knob", "Sighting", "Sign", "infer_deployment", "project_root", "sightings_in"]
