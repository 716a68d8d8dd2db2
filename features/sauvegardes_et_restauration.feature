# language: fr
Fonctionnalité: Sauvegardes et restauration des données de santé
  « Tester les sauvegardes, tester régulièrement le PRA » : l'hébergeur démontre que les données
  de chaque locataire sont versionnées, que les copies de sauvegarde et les journaux sont
  immuables pendant leur durée de rétention, et que la sauvegarde la plus récente se restaure
  réellement, intacte, dans le RPO et le RTO du contrat.
  Référentiel : ISO/IEC 27001:2022 A.8.13 (sauvegarde des informations), A.5.29, A.5.30, A.5.33.

  @S3-06 @HDS-3 @HDS-4 @HDS-6 @ISO-A.8.13
  Plan du scénario: S3-06 — le versionnage est activé sur les buckets du client
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-06 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-07 @HDS-5 @HDS-6 @ISO-A.8.13 @ISO-A.5.33 @ISO-A.8.15
  Plan du scénario: S3-07 — les buckets de sauvegarde et de journaux sont immuables (Object Lock avec rétention par défaut)
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-07 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @BKP-01 @HDS-6 @ISO-A.8.13 @ISO-A.5.30
  Plan du scénario: BKP-01 — la sauvegarde la plus récente de chaque jeu respecte le RPO du contrat
    Étant donné le locataire « <locataire> »
    Quand le contrôle « BKP-01 » est évalué sur chacun de ses jeux de sauvegarde
    Alors chaque ressource est conforme
    Et la preuve observée comprend « measured_rpo_hours »

    Exemples:
      | locataire |
      | @locataires |

  @BKP-02 @HDS-6 @ISO-A.8.13 @ISO-A.5.30 @ISO-A.5.34
  Plan du scénario: BKP-02 — la copie de sauvegarde est sur un autre site que les données, dans l'EEE
    Étant donné le locataire « <locataire> »
    Quand le contrôle « BKP-02 » est évalué sur chacun de ses emplacements de sauvegarde
    Alors chaque ressource est conforme
    Et la preuve observée comprend « bucket_region »

    Exemples:
      | locataire |
      | @locataires |

  @BKP-03 @HDS-6 @ISO-A.8.13 @ISO-A.5.33
  Plan du scénario: BKP-03 — chaque sauvegarde conservée et son manifeste sont immuables pendant leur rétention, pas seulement la plus récente
    Étant donné le locataire « <locataire> »
    Quand le contrôle « BKP-03 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @BKP-04 @HDS-6 @ISO-A.8.24 @ISO-A.8.13
  Plan du scénario: BKP-04 — chaque sauvegarde conservée et son manifeste sont chiffrés au repos, pas seulement la plus récente
    Étant donné le locataire « <locataire> »
    Quand le contrôle « BKP-04 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée comprend « server_side_encryption »

    Exemples:
      | locataire |
      | @locataires |

  @BKP-05 @HDS-6 @ISO-A.8.13 @ISO-A.5.29 @ISO-A.5.30
  Plan du scénario: BKP-05 — la sauvegarde la plus récente se restaure, n'est pas vide, et son contenu est identique au manifeste
    Étant donné le locataire « <locataire> »
    Quand le contrôle « BKP-05 » est évalué sur chacun de ses jeux de sauvegarde
    Alors chaque ressource est conforme
    Et la preuve observée comprend « measured_rpo_hours »

    Exemples:
      | locataire |
      | @locataires |

  @BKP-06 @HDS-6 @ISO-A.5.30 @ISO-A.5.29
  Plan du scénario: BKP-06 — la restauration de la sauvegarde la plus récente tient dans le RTO du contrat
    Étant donné le locataire « <locataire> »
    Quand le contrôle « BKP-06 » est évalué sur chacun de ses jeux de sauvegarde
    Alors chaque ressource est conforme
    Et la preuve observée comprend « measured_rto_s »

    Exemples:
      | locataire |
      | @locataires |
