# language: fr
Fonctionnalité: Le droit du client à consulter les traces d'accès à ses données
  Afin que le client puisse consulter les traces des accès à ses données par le personnel de
  l'hébergeur (HDS v2 exigence 15) et que l'audit interne revoie ces traces (exigence 16),
  l'hébergeur démontre que chaque bucket de données a une source de traces lue par
  « hdsctl traces », que les traces arrivent encore, qu'elles couvrent la durée de conservation
  contractuelle sans interruption, et que les accès du personnel sont revus chaque trimestre,
  accès depuis un pays hors de l'EEE signalés (exigence 29).
  Référentiel : ISO/IEC 27001:2022 A.8.15 (journalisation), A.8.16 (surveillance), A.5.33
  (protection des enregistrements).

  @TRC-01 @HDS-5 @ISO-A.8.15 @ISO-A.5.33
  Plan du scénario: TRC-01 — chaque bucket de données a une source de traces d'accès consultable par le client
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TRC-01 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @TRC-02 @HDS-5 @ISO-A.8.15 @ISO-A.8.16
  Plan du scénario: TRC-02 — les traces d'accès arrivent : la plus récente a moins que le délai contractuel
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TRC-02 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée comprend « newest »

    Exemples:
      | locataire |
      | @locataires |

  @TRC-03 @HDS-5 @ISO-A.8.15 @ISO-A.5.33
  Plan du scénario: TRC-03 — les traces d'accès couvrent la durée de conservation contractuelle, sans interruption
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TRC-03 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée comprend « longest_gap »

    Exemples:
      | locataire |
      | @locataires |

  @TRC-11 @HDS-5 @ISO-A.8.15 @ISO-A.5.33
  Plan du scénario: TRC-11 — les journaux d'audit du serveur d'API sont déclarés comme source des traces d'accès du client
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TRC-11 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée comprend « audit_files »

    Exemples:
      | locataire |
      | @locataires |

  @TRC-12 @HDS-5 @ISO-A.8.15 @ISO-A.8.16
  Plan du scénario: TRC-12 — le journal d'audit Kubernetes est alimenté : son dernier fichier a moins que le délai contractuel
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TRC-12 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée comprend « newest »

    Exemples:
      | locataire |
      | @locataires |

  @TRC-13 @HDS-5 @ISO-A.8.15 @ISO-A.5.33
  Plan du scénario: TRC-13 — le journal d'audit Kubernetes couvre la durée de conservation contractuelle, sans interruption
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TRC-13 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée comprend « longest_gap »

    Exemples:
      | locataire |
      | @locataires |

  @TRC-04 @HDS-5 @ISO-A.8.16 @ISO-A.5.33
  Plan du scénario: TRC-04 — les accès du personnel de l'hébergeur aux données du client sont revus chaque trimestre
    Étant donné le locataire « <locataire> »
    Quand le contrôle « TRC-04 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |
