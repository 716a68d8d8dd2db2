# language: fr
Fonctionnalité: Contrôles attestés — sites, matériel et exigences HDS hors de portée d'un logiciel
  Afin de couvrir ce qu'aucun contrôle automatisé ne peut vérifier (sites physiques, matériel,
  appréciation des risques, sous-traitants, clauses contractuelles, exercice du PRA, réversibilité,
  souveraineté), l'hébergeur enregistre des attestations signées, datées et appuyées de documents
  dont l'empreinte SHA-256 est conservée dans la chaîne de preuves du locataire. Une attestation
  absente ou expirée rend le contrôle non conforme.
  Référentiel : HDS v2 (EXI 01 à 31), ISO/IEC 27001:2022 annexe A.

  @GOV-01 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.1 @ISO-A.5.31
  Plan du scénario: GOV-01 — le SMSI est certifié ISO 27001 et son périmètre couvre tout l'hébergement de données de santé
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-01 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-02 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.7
  Plan du scénario: GOV-02 — l'appréciation des risques couvre les événements minimaux exigés par le référentiel HDS
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-02 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-03 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.19 @ISO-A.5.20 @ISO-A.5.21 @ISO-A.5.22
  Plan du scénario: GOV-03 — les sous-traitants sont recensés, certifiés et leurs changements maîtrisés
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-03 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-04 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.1
  Plan du scénario: GOV-04 — interfaces, support et déclaration d'applicabilité sont disponibles en français
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-04 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-05 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.6.3
  Plan du scénario: GOV-05 — les personnels et ceux des sous-traitants sont sensibilisés à la criticité des données de santé
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-05 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-06 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.2 @ISO-A.5.5
  Plan du scénario: GOV-06 — les contacts de chaque client et la répartition des responsabilités sont tenus à jour
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-06 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-07 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.35 @ISO-A.8.15
  Plan du scénario: GOV-07 — le client peut auditer ses ressources et consulter les traces d'accès du personnel de l'hébergeur
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-07 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-08 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.35 @ISO-A.5.36
  Plan du scénario: GOV-08 — les audits internes couvrent le référentiel HDS et les traces d'accès aux données de santé
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-08 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-09 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.31 @ISO-A.5.34
  Plan du scénario: GOV-09 — le contrat d'hébergement du client comporte les clauses exigées par le référentiel HDS
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-09 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-10 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.24 @ISO-A.5.26
  Plan du scénario: GOV-10 — les incidents touchant les données de santé sont notifiés au client selon une procédure éprouvée
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-10 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-11 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.29 @ISO-A.5.30
  Plan du scénario: GOV-11 — le plan de reprise (PRA/PCA) est exercé au moins une fois par an
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-11 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-12 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.11 @ISO-A.8.10
  Plan du scénario: GOV-12 — le plan de réversibilité restitue toutes les données dans des formats exploitables puis détruit les copies
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-12 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @GOV-13 @HDS-1 @HDS-2 @HDS-3 @HDS-4 @HDS-5 @HDS-6 @ISO-A.5.14 @ISO-A.5.34
  Plan du scénario: GOV-13 — les accès depuis hors de l'EEE et l'exposition aux lois de pays tiers sont encadrés et publiés
    Étant donné le locataire « <locataire> »
    Quand le contrôle « GOV-13 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @K8S-15 @HDS-3 @HDS-4 @HDS-5 @ISO-A.8.15
  Plan du scénario: K8S-15 — la journalisation d'audit d'un plan de contrôle managé est activée et conservée
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-15 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @PHY-01 @HDS-1 @ISO-A.7.1 @ISO-A.7.2 @ISO-A.7.4
  Plan du scénario: PHY-01 — le site d'hébergement est protégé par un périmètre et un contrôle d'accès physique surveillés
    Étant donné le locataire « <locataire> »
    Quand le contrôle « PHY-01 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @PHY-02 @HDS-1 @ISO-A.7.5 @ISO-A.7.11
  Plan du scénario: PHY-02 — le site est protégé contre les menaces environnementales et dispose d'alimentations secourues
    Étant donné le locataire « <locataire> »
    Quand le contrôle « PHY-02 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @HW-01 @HDS-2 @ISO-A.7.13 @ISO-A.8.14
  Plan du scénario: HW-01 — le matériel est maintenu et redondé selon les engagements contractuels
    Étant donné le locataire « <locataire> »
    Quand le contrôle « HW-01 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |

  @HW-02 @HDS-2 @ISO-A.7.10 @ISO-A.7.14 @ISO-A.8.10
  Plan du scénario: HW-02 — les supports de stockage sont effacés de façon sûre avant réemploi ou destruction
    Étant donné le locataire « <locataire> »
    Quand le contrôle « HW-02 » est évalué sur son attestation
    Alors chaque attestation est conforme
    Et l'attestation nomme son signataire, sa validité et l'empreinte de chaque document

    Exemples:
      | locataire |
      | @locataires |
