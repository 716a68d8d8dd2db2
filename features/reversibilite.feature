# language: fr
Fonctionnalité: Réversibilité — le client récupère toutes ses données, preuve à l'appui
  Afin que le droit du client à quitter son hébergeur ne repose pas sur une promesse, l'hébergeur
  exécute un test de restitution (hdsctl reversibility test) : les objets des buckets du client et
  ses bases (SQL et CSV) sont exportés dans des formats ouverts, inventoriés avec leur empreinte
  SHA-256 et comparés à l'inventaire en ligne ; le débit mesuré donne la durée extrapolée d'une
  restitution complète. Le résultat est scellé dans la chaîne de preuves du client. En fin de
  contrat, hdsctl reversibility destroy-check prouve qu'il ne reste ni bucket, ni version, ni
  marqueur de suppression, ni réplique, ni sauvegarde, ni restauration de travail.
  Référentiel : HDS v2 EXI 27, ISO/IEC 27001:2022 A.5.20, A.8.10, A.5.34.

  @REV-01 @HDS-5 @HDS-6 @ISO-A.5.20 @ISO-A.8.10 @ISO-A.5.34
  Plan du scénario: REV-01 — un test de réversibilité réussi et récent prouve que le client peut récupérer toutes ses données
    Étant donné le locataire « <locataire> »
    Quand le contrôle « REV-01 » est évalué sur son dernier test de réversibilité
    Alors chaque test de réversibilité est conforme
    Et la preuve observée comprend « test_record »
    Et la valeur observée « outcome » est « valid »

    Exemples:
      | locataire |
      | @locataires |
