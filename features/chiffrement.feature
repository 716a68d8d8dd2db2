# language: fr
Fonctionnalité: Chiffrement des données de santé en transit et au repos
  Afin de garantir la confidentialité des données de santé qui lui sont confiées,
  l'hébergeur démontre, pour chaque locataire, que les données circulent sur des canaux
  chiffrés selon l'état de l'art et qu'elles sont chiffrées là où elles sont stockées.
  Référentiel : ISO/IEC 27001:2022 A.8.24 (utilisation de la cryptographie).

  @TLS-01 @HDS-3 @HDS-4 @HDS-5 @ISO-A.8.24 @ISO-A.8.20 @ISO-A.8.21
  Plan du scénario: TLS-01 — les points d'accès n'acceptent que TLS 1.2 ou plus récent
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TLS-01 » est évalué sur chacun de ses points d'accès TLS
    Alors chaque point d'accès est conforme
    Et la preuve observée comprend « negotiated_protocol »

    Exemples:
      | locataire |
      | @locataires |

  @TLS-02 @HDS-3 @HDS-4 @HDS-5 @ISO-A.8.24 @ISO-A.8.21
  Plan du scénario: TLS-02 — la chaîne de certificats est valide et de confiance
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TLS-02 » est évalué sur chacun de ses points d'accès TLS
    Alors chaque point d'accès est conforme
    Et la preuve observée comprend « issuer »

    Exemples:
      | locataire |
      | @locataires |

  @TLS-03 @HDS-3 @HDS-4 @HDS-5 @ISO-A.8.24 @ISO-A.8.21
  Plan du scénario: TLS-03 — le certificat correspond au nom du service
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TLS-03 » est évalué sur chacun de ses points d'accès TLS
    Alors chaque point d'accès est conforme
    Et la preuve observée comprend « san_dns »

    Exemples:
      | locataire |
      | @locataires |

  @TLS-04 @HDS-3 @HDS-4 @HDS-5 @ISO-A.8.24 @ISO-A.8.21
  Plan du scénario: TLS-04 — le certificat n'expire pas dans les prochains jours
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TLS-04 » est évalué sur chacun de ses points d'accès TLS
    Alors chaque point d'accès est conforme
    Et la preuve observée comprend « not_after »

    Exemples:
      | locataire |
      | @locataires |

  @TLS-05 @HDS-3 @HDS-4 @HDS-5 @ISO-A.8.24
  Plan du scénario: TLS-05 — aucune suite cryptographique faible n'est négociée
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TLS-05 » est évalué sur chacun de ses points d'accès TLS
    Alors chaque point d'accès est conforme
    Et la preuve observée comprend « cipher »

    Exemples:
      | locataire |
      | @locataires |

  @S3-01 @HDS-3 @HDS-4 @HDS-6 @ISO-A.8.24
  Plan du scénario: S3-01 — les buckets du client sont chiffrés par défaut au repos, avec une clé KMS du client lorsque c'est exigé
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-01 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-02 @HDS-3 @HDS-4 @HDS-6 @ISO-A.8.24
  Plan du scénario: S3-02 — la rotation automatique est activée sur les clés KMS qui protègent les buckets du client
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-02 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-03 @HDS-3 @HDS-4 @HDS-6 @ISO-A.8.24 @ISO-A.8.20
  Plan du scénario: S3-03 — la politique du bucket refuse tout accès hors TLS
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-03 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @K8S-11 @HDS-3 @HDS-4 @ISO-A.8.24
  Plan du scénario: K8S-11 — chaque hôte exposé par un Ingress du client est servi en TLS
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-11 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @K8S-12 @HDS-3 @HDS-4 @ISO-A.8.24
  Plan du scénario: K8S-12 — les volumes persistants du client utilisent une StorageClass chiffrée
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-12 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @PG-01 @HDS-4 @HDS-5 @ISO-A.8.24
  Plan du scénario: PG-01 — le serveur PostgreSQL accepte les connexions chiffrées
    Étant donné le locataire « <locataire> »
    Quand le contrôle « PG-01 » est évalué sur chacun de ses serveurs PostgreSQL
    Alors chaque serveur est conforme
    Et la preuve observée comprend « ssl »

    Exemples:
      | locataire |
      | @locataires |

  @PG-02 @HDS-4 @HDS-5 @ISO-A.8.24 @ISO-A.8.5
  Plan du scénario: PG-02 — les mots de passe PostgreSQL sont stockés en SCRAM-SHA-256
    Étant donné le locataire « <locataire> »
    Quand le contrôle « PG-02 » est évalué sur chacun de ses serveurs PostgreSQL
    Alors chaque serveur est conforme
    Et la preuve observée comprend « password_encryption »

    Exemples:
      | locataire |
      | @locataires |
