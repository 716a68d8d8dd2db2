"""Default allowed node regions: cloud regions located in the European Economic Area.

HDS v2 EXI 28 requires health data to be stored exclusively in the EEA (the 27 EU member states
plus Iceland, Liechtenstein and Norway). Kubernetes nodes carry their provider's region name in
`topology.kubernetes.io/region`. The list below is deliberately explicit — no `eu-*` pattern:
AWS `eu-west-2` is London and `eu-central-2` Zurich, GCP `europe-west2` London and
`europe-west6` Zurich, all outside the EEA. Region names are not unique across providers (3DS
Outscale's `eu-west-2` is in France), so an operator on another provider or on premises sets
`allowed_regions` on the target; the default is only a starting point for the large clouds.
"""

from __future__ import annotations

EEA_CLOUD_REGIONS: dict[str, str] = {
    # Amazon Web Services
    "eu-west-1": "AWS Ireland",
    "eu-west-3": "AWS Paris, France",
    "eu-central-1": "AWS Frankfurt, Germany",
    "eu-north-1": "AWS Stockholm, Sweden",
    "eu-south-1": "AWS Milan, Italy",
    "eu-south-2": "AWS Aragón, Spain",
    # Google Cloud
    "europe-west1": "Google Cloud St. Ghislain, Belgium",
    "europe-west3": "Google Cloud Frankfurt, Germany",
    "europe-west4": "Google Cloud Eemshaven, Netherlands",
    "europe-west8": "Google Cloud Milan, Italy",
    "europe-west9": "Google Cloud Paris, France",
    "europe-west10": "Google Cloud Berlin, Germany",
    "europe-west12": "Google Cloud Turin, Italy",
    "europe-north1": "Google Cloud Hamina, Finland",
    "europe-central2": "Google Cloud Warsaw, Poland",
    "europe-southwest1": "Google Cloud Madrid, Spain",
    # Microsoft Azure
    "francecentral": "Azure Paris, France",
    "francesouth": "Azure Marseille, France",
    "germanywestcentral": "Azure Frankfurt, Germany",
    "germanynorth": "Azure Berlin, Germany",
    "northeurope": "Azure Ireland",
    "westeurope": "Azure Netherlands",
    "swedencentral": "Azure Gävle, Sweden",
    "norwayeast": "Azure Oslo, Norway",
    "norwaywest": "Azure Stavanger, Norway",
    "polandcentral": "Azure Warsaw, Poland",
    "italynorth": "Azure Milan, Italy",
    "spaincentral": "Azure Madrid, Spain",
    # Scaleway (Kapsule)
    "fr-par": "Scaleway Paris, France",
    "nl-ams": "Scaleway Amsterdam, Netherlands",
    "pl-waw": "Scaleway Warsaw, Poland",
}

DEFAULT_ALLOWED_REGIONS: tuple[str, ...] = tuple(EEA_CLOUD_REGIONS)
