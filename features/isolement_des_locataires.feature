# language: fr
Fonctionnalité: Isolement des locataires
  Afin qu'un locataire ne puisse atteindre ni les données ni les applications d'un autre,
  l'hébergeur démontre l'isolement réseau et le durcissement des charges de travail de chacun.
  Référentiel : ISO/IEC 27001:2022 A.8.22 (cloisonnement des réseaux), A.8.20, A.8.9.

  @K8S-05 @HDS-3 @HDS-4 @ISO-A.8.22 @ISO-A.8.20
  Plan du scénario: K8S-05 — chaque espace de noms du client refuse par défaut le trafic entrant
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-05 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @K8S-06 @HDS-3 @HDS-4 @ISO-A.8.22 @ISO-A.8.20
  Plan du scénario: K8S-06 — aucun trafic venant des espaces de noms d'autres clients n'est admis
    Un bloc d'adresses (ipBlock) est jugé sur les adresses qu'il admet, ses exceptions retirées :
    s'il couvre le réseau des pods, l'adresse d'un pod d'un autre client ou celle d'un nœud, il admet
    les pods des autres clients avec les greffons réseau qui comparent les adresses des pods aux
    ipBlock (Calico, Cilium) ; la preuve nomme le greffon trouvé et cette hypothèse.
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-06 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @K8S-09 @HDS-3 @HDS-4 @ISO-A.8.9
  Plan du scénario: K8S-09 — les espaces de noms du client appliquent le profil Pod Security « restricted »
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-09 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @K8S-10 @HDS-3 @HDS-4 @ISO-A.8.9
  Plan du scénario: K8S-10 — aucun conteneur du client n'est privilégié ni n'accède à l'hôte
    Chaque pod en cours d'exécution est lu, quel que soit son propriétaire, avec tous ses conteneurs
    (d'initialisation et éphémères ajoutés par kubectl debug compris), ainsi que les modèles des
    Deployments et StatefulSets qui en lanceront d'autres ; un écart est attribué au pod et à son
    propriétaire.
    Étant donné le locataire « <locataire> »
    Quand le contrôle « K8S-10 » est évalué sur chacune de ses ressources concernées
    Alors chaque ressource est conforme
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |
