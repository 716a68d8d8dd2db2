# language: fr
Fonctionnalité: Contrôle d'accès
  Afin que seules les personnes et les applications habilitées accèdent aux données de santé,
  l'hébergeur démontre le moindre privilège, l'absence d'accès public et l'authentification forte.
  Référentiel : ISO/IEC 27001:2022 A.5.15, A.5.17, A.8.2, A.8.3, A.8.5.

  @K8S-07 @HDS-3 @HDS-4 @HDS-5 @ISO-A.8.2 @ISO-A.5.15
  Plan du scénario: K8S-07 — aucune identité du client ne détient cluster-admin ni un rôle à jokers
    Les verbes impersonate, escalate et bind valent cluster-admin sans joker ; une liaison à un
    groupe couvrant tout le cluster vaut pour les identités du client.
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-07 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @K8S-08 @HDS-3 @HDS-4 @HDS-5 @ISO-A.5.15 @ISO-A.5.18
  Plan du scénario: K8S-08 — aucune liaison RBAC n'ouvre les espaces de noms du client à des comptes extérieurs
    Un sujet est jugé sur le nom que le serveur d'API compare : un utilisateur nommé
    system:serviceaccount:<espace>:<nom> est ce compte de service ; l'utilisateur system:anonymous
    et les groupes system:unauthenticated, system:authenticated et system:serviceaccounts ouvrent
    l'espace de noms à tous.
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-08 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-04 @HDS-3 @HDS-4 @HDS-6 @ISO-A.5.15 @ISO-A.8.3
  Plan du scénario: S3-04 — aucun bucket du client n'est accessible publiquement
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-04 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-05 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.15 @ISO-A.8.3
  Plan du scénario: S3-05 — le blocage de l'accès public est activé au niveau du compte
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-05 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-12 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.8.5 @ISO-A.5.17
  Plan du scénario: S3-12 — les utilisateurs ayant accès à la console sont protégés par une authentification multifacteur
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-12 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-13 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.17 @ISO-A.8.5
  Plan du scénario: S3-13 — aucune clé d'accès active n'est plus ancienne que la durée autorisée
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-13 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |
