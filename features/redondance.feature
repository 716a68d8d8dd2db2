# language: fr
Fonctionnalité: Redondance des plateformes et des données
  Afin qu'une panne matérielle ou la perte d'un site n'interrompe pas le service ni ne détruise
  de données de santé, l'hébergeur démontre que les applications, les nœuds et les données critiques
  de chaque locataire sont redondés.
  Référentiel : ISO/IEC 27001:2022 A.8.14 (redondance des moyens de traitement).

  @K8S-01 @HDS-3 @HDS-4 @ISO-A.8.14
  Plan du scénario: K8S-01 — chaque application du client tourne en au moins deux réplicas prêts
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-01 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @K8S-02 @HDS-3 @HDS-4 @ISO-A.8.14
  Plan du scénario: K8S-02 — un PodDisruptionBudget protège chaque application du client
    Le nombre de pods que le budget garde est calculé comme le contrôleur de disruption le calcule :
    les pourcentages de minAvailable et de maxUnavailable sont arrondis à l'entier supérieur, et
    l'état publié par le budget (desiredHealthy, disruptionsAllowed) fait foi quand il est à jour.
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-02 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @K8S-03 @HDS-3 @HDS-4 @ISO-A.8.14
  Plan du scénario: K8S-03 — les réplicas de chaque application sont répartis sur plusieurs nœuds
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-03 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @K8S-04 @HDS-3 @HDS-4 @ISO-A.8.14
  Plan du scénario: K8S-04 — les nœuds où les applications du client peuvent tourner couvrent au moins deux zones de disponibilité
    Pour chaque application, seuls comptent les nœuds prêts, non cordonnés, dont les teintes sont
    tolérées par ses pods et que sa sélection de nœuds admet : un nœud de plan de contrôle teinté
    ou un nœud indisponible ne fait pas une seconde zone.
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-04 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-09 @HDS-3 @HDS-4 @HDS-6 @ISO-A.8.14
  Plan du scénario: S3-09 — les buckets critiques sont répliqués vers une seconde région de l'EEE
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-09 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @PG-04 @HDS-4 @HDS-5 @ISO-A.8.14
  Plan du scénario: PG-04 — une réplique en flux est attachée au serveur PostgreSQL lorsque la cible l'exige
    Étant donné le locataire « <locataire> »
    Quand le contrôle « PG-04 » est évalué sur chacun de ses serveurs PostgreSQL
    Alors chaque serveur est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |
