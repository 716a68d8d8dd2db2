# language: fr
Fonctionnalité: Journalisation et traçabilité des accès
  Afin que tout accès aux données de santé soit imputable et vérifiable (HDS v2 exigences 15 et 16,
  délibération CNIL n° 2021-122), l'hébergeur démontre que les accès sont journalisés, conservés
  selon la durée contractuelle et protégés contre la modification.
  Référentiel : ISO/IEC 27001:2022 A.8.15 (journalisation).

  @K8S-14 @HDS-3 @HDS-4 @HDS-5 @ISO-A.8.15
  Plan du scénario: K8S-14 — le serveur d'API journalise les accès (audit Kubernetes)
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-14 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-08 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.8.15
  Plan du scénario: S3-08 — les accès aux buckets sont journalisés dans un bucket distinct, conservés selon la durée contractuelle
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-08 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-11 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.8.15
  Plan du scénario: S3-11 — une trace CloudTrail couvre toutes les régions, avec validation d'intégrité, et est active
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-11 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @PG-03 @HDS-4 @HDS-5 @ISO-A.8.15
  Plan du scénario: PG-03 — les connexions aux bases PostgreSQL sont journalisées
    Étant donné le locataire « <locataire> »
    Quand le contrôle « PG-03 » est évalué sur chacun de ses serveurs PostgreSQL
    Alors chaque serveur est conforme
    Et la preuve observée comprend « log_connections »

    Exemples:
      | locataire |
      | @locataires |
