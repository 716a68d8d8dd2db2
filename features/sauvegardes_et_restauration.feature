# language: fr
Fonctionnalité: Sauvegardes et restauration des données de santé
  « Tester les sauvegardes, tester régulièrement le PRA » : l'hébergeur démontre que les données
  de chaque locataire sont versionnées et que les copies de sauvegarde et les journaux sont
  immuables pendant leur durée de rétention.
  Référentiel : ISO/IEC 27001:2022 A.8.13 (sauvegarde des informations), A.5.33.

  @S3-06 @HDS-3 @HDS-4 @HDS-6 @ISO-A.8.13
  Plan du scénario: S3-06 — le versionnage est activé sur les buckets du client
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-06 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-07 @HDS-5 @HDS-6 @ISO-A.8.13 @ISO-A.5.33
  Plan du scénario: S3-07 — les buckets de sauvegarde et de journaux sont immuables (Object Lock avec rétention par défaut)
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-07 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |
