# language: fr
Fonctionnalité: Dérogations et échéances des attestations
  Afin qu'un risque accepté ne masque pas un écart pour toujours et qu'une preuve périmée ne
  passe pas pour valable, l'hébergeur démontre que chaque écart toléré l'est par une dérogation
  approuvée par une autre personne que le demandeur, enregistrée dans la chaîne de preuves et non
  expirée, et qu'aucune attestation n'est expirée, manquante ou sur le point d'expirer.
  Référentiel : HDS v2 EXI 05 (appréciation et traitement des risques), ISO/IEC 27001:2022 6.1.3.

  @attestations
  Plan du scénario: Attestations — aucune attestation n'est expirée, manquante ou à échéance dans les 30 jours
    Étant donné le locataire « <locataire> »
    Quand les attestations de l'exécution sont examinées
    Alors aucune attestation n'est expirée ni manquante
    Et aucune attestation n'expire dans les 30 prochains jours

    Exemples:
      | locataire |
      | @locataires |

  @derogations
  Plan du scénario: Dérogations — chaque écart toléré est couvert par une dérogation approuvée, enregistrée et en cours de validité
    Étant donné le locataire « <locataire> »
    Quand les écarts de l'exécution sont examinés
    Alors chaque dérogation invoquée est approuvée par une autre personne que le demandeur et enregistrée dans la chaîne de preuves
    Et aucune dérogation expirée n'est invoquée

    Exemples:
      | locataire |
      | @locataires |
