# language: fr
Fonctionnalité: Localisation des données de santé dans l'Espace économique européen
  Le référentiel HDS v2 (exigence 28) impose que les données de santé soient stockées
  exclusivement dans l'Espace économique européen ; l'hébergeur démontre, pour chaque locataire,
  où se trouvent ses données et ses répliques.
  Référentiel : ISO/IEC 27001:2022 A.5.23, A.5.34.

  @K8S-13 @HDS-3 @HDS-4 @ISO-A.5.23 @ISO-A.5.34
  Plan du scénario: K8S-13 — tous les nœuds du cluster sont situés dans l'Espace économique européen (HDS v2 EXI 28)
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-13 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @S3-10 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.23 @ISO-A.5.34
  Plan du scénario: S3-10 — les buckets du client et leurs répliques sont situés dans l'Espace économique européen
    Étant donné le locataire « <locataire> »
    Quand le contrôle « S3-10 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |
